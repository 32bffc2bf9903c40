import type {ParseArgsConfig} from 'node:util';
import type {Got} from 'got';
import {setDebugSink} from '../debug.js';
import type {ArcGISAuthBase} from '../handlers/arcgis-auth-base.js';
import {createSession} from '../session.js';
import {redactUrl} from '../site/redact.js';
import {UsageError} from './exit-codes.js';
import {AUTH_KINDS, makeHandler, resolveAuthKind, type AuthKind} from './handler-choice.js';
import type {CliIo} from './io.js';
import type {AuthOptions} from '../options.js';
import {obtainPassword} from './password.js';
import {storedSignInHandler} from './sign-ins/stored-session.js';
import {TLS_HELP, TLS_OPTIONS, tlsOptionsFrom} from './tls-files.js';

/** Options shared by the commands that authenticate (token, request). */
export const AUTH_OPTIONS = {
	user: {type: 'string', short: 'u'},
	auth: {type: 'string', default: 'auto'},
	'password-stdin': {type: 'boolean', default: false},
	insecure: {type: 'boolean', short: 'k', default: false},
	'allow-http': {type: 'boolean', default: false},
	verbose: {type: 'boolean', short: 'v', default: false},
	timeout: {type: 'string', default: '30'},
	help: {type: 'boolean', short: 'h', default: false},
	...TLS_OPTIONS,
} as const satisfies ParseArgsConfig['options'];

export const AUTH_HELP = `  -u, --user NAME      username (or ARCGIS_USERNAME); DOMAIN\\\\user or user@domain for NTLM
      --auth KIND      auto (default: a kept sign-in of arcgis-auth login for the site, unless -u
                       is given; else a token, Kerberos or NTLM), server-token, portal-token,
                       server, portal, oauth (the kept sign-in only), none
      --password-stdin read the password from standard input (else ARCGIS_PASSWORD, else a prompt)
  -k, --insecure       do not verify TLS certificates
      --allow-http     allow credentials and tokens over plain http to a non-loopback host
${TLS_HELP}
      --timeout S      give up on the site after S seconds (default 30): each login call, and the request
  -v, --verbose        show the authentication steps on standard error (never a secret)
  -h, --help           this help`;

export {parse} from './parse-args.js';

export function urlArgument(positionals: string[], command: string): URL {
	const [first, ...rest] = positionals;
	if (first === undefined || rest.length > 0) {
		throw new UsageError(`${command} takes exactly one URL.`);
	}

	let url: URL;
	try {
		url = new URL(first);
	} catch {
		throw new UsageError(`not a URL: ${first}`);
	}

	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new UsageError(`${command} takes an http:// or https:// URL, not ${url.protocol}//.`);
	}

	return url;
}

/** --timeout in milliseconds. */
export function timeoutMs(values: {timeout?: string}): number {
	const seconds = Number(values.timeout ?? '30');
	if (!Number.isFinite(seconds) || seconds <= 0) {
		throw new UsageError(`--timeout takes a number of seconds above 0, got ${JSON.stringify(values.timeout)}.`);
	}

	return Math.ceil(seconds * 1000);
}

type AuthValues = {user?: string; auth?: string; timeout?: string; 'password-stdin'?: boolean; insecure?: boolean; 'allow-http'?: boolean; verbose?: boolean} & Parameters<typeof tlsOptionsFrom>[0];

/** The handler the options ask for (undefined for --auth none), with the password obtained safely. */
export async function handlerFor(values: AuthValues, url: URL, io: CliIo, extra: AuthOptions = {}): Promise<ArcGISAuthBase | undefined> {
	if (!AUTH_KINDS.includes(values.auth as AuthKind)) {
		throw new UsageError(`--auth must be one of ${AUTH_KINDS.join(', ')}.`);
	}

	const options = {verify: !values.insecure, allowHttp: values['allow-http'] ?? false, callTimeout: timeoutMs(values)};
	if (values.auth === 'oauth' || (values.auth === 'auto' && values.user === undefined)) {
		const signedIn = await storedSignInHandler(url, io, options);
		if (signedIn) {
			return signedIn;
		}

		if (values.auth === 'oauth') {
			throw new UsageError(`no kept sign-in serves ${url.origin}: run arcgis-auth login <portal> --client-id ID first (arcgis-auth status lists them).`);
		}
	}

	const kind = resolveAuthKind(values.auth as Exclude<AuthKind, 'oauth'>, url);
	if (kind === 'none') {
		return undefined;
	}

	const username = values.user ?? io.env.ARCGIS_USERNAME;
	const password = username === undefined ? undefined : await obtainPassword({passwordStdin: values['password-stdin'] ?? false, env: io.env, stdin: io.stdin, stderr: io.stderr}, username);
	return makeHandler(kind, username, password, {...options, ...extra, ...tlsOptionsFrom(values, io.env)});
}

/** A session for the command: the handler's hooks, and with -v a trace of steps and requests. */
export function clientFor(auth: ArcGISAuthBase | undefined, values: AuthValues, io: CliIo): Got {
	// No hidden retries: a command fails at once with the site's own error (got retries GETs on network
	// errors with back-off, and on Node 24 its last retry reports ERR_SOCKET_CLOSED_BEFORE_CONNECTION
	// in place of the ECONNREFUSED that happened).
	const session = createSession({...(auth ? {auth} : {}), verify: !values.insecure}).extend({timeout: {request: timeoutMs(values)}, retry: {limit: 0}});
	if (!values.verbose) {
		return session;
	}

	setDebugSink(line => io.stderr.write(`* ${line}\n`));
	return session.extend({
		hooks: {
			beforeRequest: [
				options => {
					io.stderr.write(`> ${options.method} ${redactUrl(options.url as URL)}\n`);
				},
			],
			afterResponse: [
				response => {
					io.stderr.write(`< ${response.statusCode} ${response.statusMessage ?? ''}\n`);
					return response;
				},
			],
		},
	});
}
