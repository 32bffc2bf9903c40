import {parse} from '../common-options.js';
import {EXIT} from '../exit-codes.js';
import type {CliIo} from '../io.js';
import {SignInStore} from '../sign-ins/sign-in-store.js';

export const STATUS_HELP = `Usage: arcgis-auth status [--json]

Lists the portals you are signed in to (arcgis-auth login): the user, the app, when the sign-in
expires and where it is kept. Never prints a token.

Options:
      --json   print the list as JSON
  -h, --help   this help
`;

export function statusCommand(args: string[], io: CliIo): Promise<number> {
	return Promise.resolve(listSignIns(args, io));
}

function listSignIns(args: string[], io: CliIo): number {
	const {values} = parse(args, {json: {type: 'boolean', default: false}, help: {type: 'boolean', short: 'h', default: false}});
	if (values.help) {
		io.stdout.write(STATUS_HELP);
		return EXIT.ok;
	}

	const store = new SignInStore(io.env, io.keychain);
	const {records, note} = store.list();
	if (note) {
		io.stderr.write(`arcgis-auth: ${note}\n`);
	}

	const now = Date.now();
	// Named fields only: a record read from the file may hold the refresh token.
	const rows = records.map(record => ({
		portal: record.portal,
		username: record.username ?? null,
		clientId: record.clientId,
		expires: record.refreshTokenExpires ?? null,
		expired: record.refreshTokenExpires !== undefined && Date.parse(record.refreshTokenExpires) <= now,
		keptIn: record.secret === 'keychain' ? 'keychain' : store.path,
	}));
	if (values.json) {
		io.stdout.write(`${JSON.stringify({file: store.path, signIns: rows})}\n`);
		return EXIT.ok;
	}

	if (rows.length === 0) {
		io.stdout.write(`Not signed in to any portal (sign-ins are kept in ${store.path}).\n`);
		return EXIT.ok;
	}

	for (const row of rows) {
		const expiry = row.expires === null ? 'expiry unknown' : `${row.expired ? 'expired' : 'expires'} ${row.expires}`;
		io.stdout.write(`${row.portal}\n  user:    ${row.username ?? '?'}\n  app:     ${row.clientId}\n  sign-in: ${expiry}\n  kept in: ${row.keptIn === 'keychain' ? 'the OS keychain' : row.keptIn}\n`);
	}

	return EXIT.ok;
}
