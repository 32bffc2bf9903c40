import {RequestError} from 'got';
import {TokenAuthenticationError} from '../errors.js';
import {redactUrl} from '../site/redact.js';
import {EXIT, UsageError} from './exit-codes.js';

/*
The library speaks to programs (its messages name options, classes and reset()); the CLI speaks to
a person at a shell, who knows flags. These rewrite the library's words into the CLI's, once, here.
*/
const LIBRARY_PREFIX = /^(?:got-arcgis-auth|ArcGIS\w*Auth): /;
const REWRITES: Array<[RegExp, string]> = [
	[/pass the options certificate and key \(PEM\), or pfx and passphrase/g, 'give --cert FILE and --key FILE (PEM), or --pfx FILE (a passphrase in ARCGIS_CERT_PASSPHRASE)'],
	[/give the options username and password/g, 'give -u NAME and a password'],
	[/NTLM needs a username and password \(none were given\)/g, 'NTLM needs -u NAME and a password'],
	[/Use ArcGISServerTokenAuth \(or ArcGISServerAuth\) with an account of that server/g, 'Use --auth server-token (or --auth server) with -u and an account of that server'],
	[/\b([Uu])se ArcGISServerAuth\b/g, '$1se --auth server'],
	[/\b([Uu])se ArcGISPortalAuth\b/g, '$1se --auth portal'],
	[/;? ?call auth\.reset\(\) after fixing the credentials/g, '; run the command again with the right credentials'],
	[/,? ?(?:judged and so )?kept until `?reset\(\)`?/g, ''],
	[/\boptions certificate and key go together: give both \(PEM\), or give pfx instead/g, '--cert and --key go together: give both (PEM), or give --pfx instead'],
	[/give either certificate \+ key or pfx, not both/g, 'give either --cert and --key or --pfx, not both'],
	[/\boption certificateAuthority\b/g, '--cacert'],
	[/\(arcgis-auth login, or ArcGISPortalOAuthAuth\.signIn\)/g, '(arcgis-auth login)'],
	[/, or the option spn\)/g, ')'],
	[/\boption redirectUri\b/g, '--redirect-uri'],
	[/\boption callTimeout\b/g, '--timeout'],
	[/\boption (referer|expiration|client)\b/g, '--$1'],
];

/** A library message in the CLI's words: no class name in front, flags instead of options. */
export function inCliWords(message: string): string {
	let text = message.replace(LIBRARY_PREFIX, '');
	for (const [pattern, replacement] of REWRITES) {
		text = text.replace(pattern, replacement);
	}

	return text;
}

const TLS_CODES = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'CERT_HAS_EXPIRED',
	'CERT_NOT_YET_VALID',
	'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The system or TLS code somewhere down an error's causes (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT...). */
function causeCode(error: unknown): string | undefined {
	for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
		const {code} = current as {code?: unknown};
		if (typeof code === 'string' && (TLS_CODES.has(code) || /^E[A-Z]+$/.test(code) || code.startsWith('ERR_SOCKET_'))) {
			return code;
		}
	}

	return undefined;
}

/** A hint for a failure a flag can fix, on its own line. */
function hintFor(error: unknown): string {
	const code = causeCode(error);
	if (code !== undefined && TLS_CODES.has(code)) {
		return `The site's TLS certificate was not accepted (${code}): give --cacert FILE with the certificate authority that signed it, or -k to skip verification (for testing only).\n`;
	}

	if (code === 'ETIMEDOUT') {
		return 'Give a longer --timeout SECONDS if the site is slow.\n';
	}

	return '';
}

/** Which exit code an error means: 2 usage, 3 authentication, 4 the site could not be reached or answered an error, 1 anything unforeseen. */
export function exitCodeFor(error: unknown): number {
	if (error instanceof UsageError || (error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION')) {
		return EXIT.usage;
	}

	if (error instanceof TokenAuthenticationError) {
		// A site that cannot be reached is not an authentication failure, whether discovery or the request found out.
		return error.code === 'NETWORK_ERROR' ? EXIT.http : EXIT.authentication;
	}

	// A socket that failed under got (its retries can surface Node's own error) is the site not reached.
	return error instanceof RequestError || causeCode(error)?.startsWith('ERR_SOCKET_') ? EXIT.http : 1;
}

/**
INVALID_OPTION, and the handler's "no username and password were given" when a site wants a token and the CLI had
no -u: that is a mistake in the command line, and the person is told which flag.
*/
export function asUsageError(error: unknown): unknown {
	if (error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION') {
		// An option the CLI built from flags: a usage error, in the flags' words (no "INVALID_OPTION: got-arcgis-auth:").
		return new UsageError(inCliWords(error.message));
	}

	if (error instanceof TokenAuthenticationError && error.code === 'INVALID_CREDENTIALS' && /no username and password were given/.test(error.message)) {
		return new UsageError(`${error.url ?? 'the site'} wants a token: give -u NAME (or ARCGIS_USERNAME) and a password.`);
	}

	return error;
}

/** The message for a failure that is not a usage error, with a hint when a flag can fix it. */
export function failureText(error: unknown): string {
	if (error instanceof TokenAuthenticationError) {
		return `arcgis-auth: ${error.code}: ${inCliWords(error.message)}\n${hintFor(error)}`;
	}

	const url = (error as {options?: {url?: URL}}).options?.url;
	const text = error instanceof Error ? error.message : String(error);
	return `arcgis-auth: ${inCliWords(text)}${url && !text.includes(url.origin) ? ` (${redactUrl(url)})` : ''}\n${hintFor(error)}`;
}

/** A process warning as one line (not Node's `(node:PID) [CODE] Name: ...`), in the CLI's words. */
export function warningLine(warning: Error): string {
	const {code} = warning as {code?: unknown};
	return `arcgis-auth: warning${typeof code === 'string' ? ` (${code})` : ''}: ${inCliWords(warning.message)}\n`;
}
