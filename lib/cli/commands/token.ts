import {TokenAuthenticationError} from '../../errors.js';
import {ArcGISPortalOAuthAuth} from '../../handlers/portal-oauth-auth.js';
import {ArcGISPortalSAMLAuth} from '../../handlers/portal-saml-auth.js';
import {AUTH_HELP, AUTH_OPTIONS, clientFor, handlerFor, parse, urlArgument} from '../common-options.js';
import {EXIT, UsageError} from '../exit-codes.js';
import type {CliIo} from '../io.js';
import {slowNotice} from '../slow-notice.js';

export const TOKEN_HELP = `Usage: arcgis-auth token <url> [options]

Obtains a token for the site of <url> and prints it with its expiry and how it is bound: a
client=referer token works only with the same Referer header; a client=requestip one only from
this machine's address.

Options:
      --json           print {"token", "expires", "ssl", "client", "referer"} as JSON
      --client KIND    referer (default) or requestip
      --referer TEXT   the Referer the token is bound to (default got-arcgis-auth)
      --expiration MIN the lifetime to ask for, in minutes (default: the site's)
${AUTH_HELP}
`;

/** How the token is bound (generateToken's client and referer), and its lifetime: the handler's options. */
function bindingFrom(values: {client?: string; referer?: string; expiration?: string}): {client: 'referer' | 'requestip'; referer: string; expiration?: number} {
	const {client = 'referer', referer = 'got-arcgis-auth', expiration} = values;
	if (client !== 'referer' && client !== 'requestip') {
		throw new UsageError('--client must be referer or requestip.');
	}

	if (values.referer !== undefined && client !== 'referer') {
		throw new UsageError('--referer goes with --client referer.');
	}

	const minutes = expiration === undefined ? undefined : Number(expiration);
	if (minutes !== undefined && !(Number.isInteger(minutes) && minutes >= 1)) {
		throw new UsageError(`--expiration takes whole minutes (1 or more), got ${JSON.stringify(expiration)}.`);
	}

	return {client, referer, ...(minutes === undefined ? {} : {expiration: minutes})};
}

export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
	const {values, positionals} = parse(args, {
		...AUTH_OPTIONS,
		json: {type: 'boolean', default: false},
		client: {type: 'string', default: 'referer'},
		referer: {type: 'string'},
		expiration: {type: 'string'},
	});
	if (values.help) {
		io.stdout.write(TOKEN_HELP);
		return EXIT.ok;
	}

	const url = urlArgument(positionals, 'token');
	const binding = bindingFrom(values);
	const auth = await handlerFor(values, url, io, binding);
	if (!auth) {
		throw new UsageError('token needs a handler: --auth none has no token to print.');
	}

	clientFor(auth, values, io);
	const done = slowNotice(io, url, values.verbose);
	const token = await auth.getToken(url).finally(done);
	if (token === undefined) {
		throw new TokenAuthenticationError('NO_TOKEN_SECURITY', `${url.origin} does not use tokens (no token security, or the web tier authenticates instead).`, {url});
	}

	// A kept OAuth sign-in's own access token is bound to nothing; a federated server's token made from
	// it (generateToken with serverUrl) is bound as the options say, like a password login's.
	const oauthAccess = (auth instanceof ArcGISPortalOAuthAuth || auth instanceof ArcGISPortalSAMLAuth) && token === auth.token;
	const referer = !oauthAccess && binding.client === 'referer' ? binding.referer : undefined;
	const result = {token, expires: auth.expires?.toISOString() ?? null, ssl: auth.ssl ?? false, client: oauthAccess ? null : binding.client, ...(referer ? {referer} : {})};
	const bound = oauthAccess
		? 'nothing (an OAuth access token: no Referer or address needed)'
		: referer
			? `client=referer, Referer: ${referer} (send that header with the token)`
			: "client=requestip (works only from this machine's IP address)";
	io.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `token:   ${result.token}\nexpires: ${result.expires}\nssl:     ${result.ssl}\nbound:   ${bound}\n`);
	return EXIT.ok;
}
