import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {startEmulator, type Emulator, type EmulatorOptions} from '../../emulator/index.js';
import {DEMO_APP} from '../../emulator/oauth-apps.js';
import {parse} from '../common-options.js';
import {EXIT, UsageError} from '../exit-codes.js';
import type {CliIo} from '../io.js';

export const EMULATOR_HELP = `Usage: arcgis-auth emulator [options]

Runs the ArcGIS Server + Portal emulator on 127.0.0.1 until interrupted (Ctrl-C).
Default user: demo / demo1234. Default OAuth app: client id demo-app, secret demo-app-secret-1.

Options:
      --port N              port (default: a free one)
      --https               HTTPS with a certificate made at start, plus an http side that redirects
      --token-lifetime S    longest token lifetime in seconds (default 3600)
      --errors-as STYLE     json (HTTP 200 + error body, default) or status (HTTP 498/499)
      --web-tier            IIS Windows authentication in front: 401 Negotiate + NTLM, NTLM logins
                            checked against the users' passwords (Kerberos is refused)
      --latency MS          added to every response
      --lockout-after N     lock a user after N failed logins
      --user NAME:PASSWORD  a user (repeatable; replaces demo)
      --federated NAME      a server federated with the portal at /NAME (repeatable; default hosting)
      --client-certificates DIR
                            PKI: HTTPS that wants a client certificate from a CA made at start;
                            writes client.crt, client.key and emulator.crt (to trust) into DIR
  -h, --help                this help
`;

function number(value: string | undefined, name: string): number | undefined {
	if (value === undefined) {
		return undefined;
	}

	const parsed = Number(value);
	if (!Number.isFinite(parsed) || parsed < 0) {
		throw new UsageError(`--${name} takes a number, got ${JSON.stringify(value)}.`);
	}

	return parsed;
}

/** Writes the PKI files a client needs; the key readable by its owner only. */
function writePki(dir: string, emulator: Emulator): string[] {
	mkdirSync(dir, {recursive: true});
	const files = [
		['client.crt', emulator.clientCertificate!.certificate, 0o644, 'client certificate (PEM)'],
		['client.key', emulator.clientCertificate!.key, 0o600, 'its key'],
		['emulator.crt', emulator.certificate!, 0o644, "the emulator's own certificate, to trust"],
	] as const;
	return files.map(([name, text, mode, what]) => {
		const path = join(dir, name);
		writeFileSync(path, text, {mode});
		return `${what}: ${path}`;
	});
}

export async function emulatorCommand(args: string[], io: CliIo): Promise<number> {
	const {values, positionals} = parse(args, {
		port: {type: 'string'},
		https: {type: 'boolean', default: false},
		'token-lifetime': {type: 'string'},
		'errors-as': {type: 'string'},
		'web-tier': {type: 'boolean', default: false},
		latency: {type: 'string'},
		'lockout-after': {type: 'string'},
		user: {type: 'string', multiple: true},
		federated: {type: 'string', multiple: true},
		'client-certificates': {type: 'string'},
		help: {type: 'boolean', short: 'h', default: false},
	});
	if (values.help) {
		io.stdout.write(EMULATOR_HELP);
		return EXIT.ok;
	}

	if (positionals.length > 0) {
		throw new UsageError('emulator takes no arguments, only options.');
	}

	const errorsAs = values['errors-as'];
	if (errorsAs !== undefined && errorsAs !== 'json' && errorsAs !== 'status') {
		throw new UsageError('--errors-as must be json or status.');
	}

	const users = values.user?.map(pair => {
		const index = pair.indexOf(':');
		if (index <= 0 || index === pair.length - 1) {
			throw new UsageError(`--user must look like NAME:PASSWORD, got ${JSON.stringify(pair.split(':')[0])}:...`);
		}

		return [pair.slice(0, index), pair.slice(index + 1)] as const;
	});
	const pkiDir = values['client-certificates'];
	const options: EmulatorOptions = {
		https: values.https || pkiDir !== undefined,
		clientCertificates: pkiDir !== undefined,
		...(values.federated ? {federatedServers: values.federated} : {}),
		webTier: values['web-tier'] ? 'negotiate-ntlm' : false,
		...(errorsAs ? {errorsAs} : {}),
		...(users ? {users: Object.fromEntries(users)} : {}),
	};
	for (const [name, key] of [
		['port', 'port'],
		['token-lifetime', 'tokenLifetimeSeconds'],
		['latency', 'latencyMs'],
		['lockout-after', 'lockoutAfter'],
	] as const) {
		const value = number(values[name], name);
		if (value !== undefined) {
			options[key] = value;
		}
	}

	let emulator: Awaited<ReturnType<typeof startEmulator>>;
	try {
		emulator = await startEmulator(options);
	} catch (error: unknown) {
		// The emulator checks its options (federated server names...): a usage error here.
		if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
			throw new UsageError(`port ${options.port} on 127.0.0.1 is in use: choose another --port, or leave --port out for a free one.`);
		}

		throw error instanceof TypeError ? new UsageError(error.message) : error;
	}

	const written = pkiDir === undefined ? [] : writePki(pkiDir, emulator);
	io.stdout.write(
		[
			`ArcGIS emulator on ${emulator.url}`,
			`  server: ${emulator.serverUrl}/rest/services?f=json`,
			`  portal: ${emulator.portalUrl}/sharing/rest/portals/self?f=json`,
			...emulator.federatedServerUrls.map(root => `  federated server: ${root}/rest/services?f=json`),
			...(emulator.httpUrl ? [`  http (redirects to https): ${emulator.httpUrl}`] : []),
			...written.map(line => `  ${line}`),
			`  users:  ${users ? users.map(([name]) => name).join(', ') : 'demo (password demo1234)'}`,
			...(options.webTier ? ['  web tier: NTLM (as NAME or DOMAIN\\NAME, any domain), checked against those passwords; Kerberos refused'] : []),
			`  oauth:  ${emulator.portalUrl}/sharing/rest/oauth2/token (grant_type=client_credentials)`,
			// The demo app's secret is a fixture, printed like the demo user's password.
			`  oauth apps: ${DEMO_APP.clientId} (client_secret ${DEMO_APP.secret}; redirect URIs ${DEMO_APP.redirectUris.join(', ')}, loopback on any port)`,
			'Ctrl-C to stop.',
			'',
		].join('\n'),
	);
	await io.stopped;
	await emulator.close();
	io.stdout.write(`stopped after ${emulator.stats.requests} requests (${emulator.stats.tokenCalls} token calls)\n`);
	return EXIT.ok;
}
