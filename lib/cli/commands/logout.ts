import {TokenAuthenticationError} from '../../errors.js';
import {handlerForSignIn} from '../sign-ins/stored-session.js';
import {SignInStore} from '../sign-ins/sign-in-store.js';
import {parse} from '../common-options.js';
import {EXIT} from '../exit-codes.js';
import type {CliIo} from '../io.js';
import {portalArgument} from './login.js';

export const LOGOUT_HELP = `Usage: arcgis-auth logout <portal> [options]

Revokes the stored sign-in at the portal (oauth2/revokeToken) and forgets it here. When the portal
cannot be reached the sign-in is forgotten here all the same, and the exit code is 4: its refresh
token stays valid at the portal until it expires.

Options:
  -k, --insecure     do not verify TLS certificates
      --allow-http   allow plain http to a non-loopback portal
  -h, --help         this help
`;

export async function logoutCommand(args: string[], io: CliIo): Promise<number> {
	const {values, positionals} = parse(args, {
		insecure: {type: 'boolean', short: 'k', default: false},
		'allow-http': {type: 'boolean', default: false},
		help: {type: 'boolean', short: 'h', default: false},
	});
	if (values.help) {
		io.stdout.write(LOGOUT_HELP);
		return EXIT.ok;
	}

	const portal = portalArgument(positionals, 'logout');
	const store = new SignInStore(io.env, io.keychain);
	const record = store.find(portal);
	if (!record) {
		io.stdout.write(`Not signed in to ${portal}: nothing to forget.\n`);
		return EXIT.ok;
	}

	const auth = await handlerForSignIn(record, store, {verify: !values.insecure, allowHttp: values['allow-http']});
	let revoked: 'revoked' | 'already ended' | Error;
	try {
		await auth?.signOut();
		revoked = auth ? 'revoked' : 'already ended';
	} catch (error: unknown) {
		// A refresh token the portal no longer knows is as good as revoked.
		const ended = error instanceof TokenAuthenticationError && (error.code === 'SIGN_IN_REQUIRED' || error.code === 'OAUTH_ERROR');
		revoked = ended ? 'already ended' : error instanceof Error ? error : new Error(String(error));
	} finally {
		await store.forget(record);
	}

	if (revoked instanceof Error) {
		io.stderr.write(`arcgis-auth: the sign-in to ${record.portal} is forgotten here, but the portal could not revoke it (${revoked.message}); it stays valid there until it expires.\n`);
		return EXIT.http;
	}

	io.stdout.write(
		`Signed out of ${record.portal}${record.username ? ` (${record.username})` : ''}: ${revoked === 'revoked' ? 'the portal revoked the sign-in' : 'the sign-in had already ended'}, and it is forgotten here.\n`,
	);
	return EXIT.ok;
}
