import {TokenAuthenticationError} from '../../errors.js';
import {AUTH_HELP, AUTH_OPTIONS, clientFor, handlerFor, parse, urlArgument} from '../common-options.js';
import {EXIT, UsageError} from '../exit-codes.js';
import type {CliIo} from '../io.js';

export const TOKEN_HELP = `Usage: arcgis-auth token <url> [options]

Obtains a token for the site of <url> and prints it with its expiry.

Options:
      --json           print {"token", "expires", "ssl"} as JSON
${AUTH_HELP}
`;

export async function tokenCommand(args: string[], io: CliIo): Promise<number> {
	const {values, positionals} = parse(args, {...AUTH_OPTIONS, json: {type: 'boolean', default: false}});
	if (values.help) {
		io.stdout.write(TOKEN_HELP);
		return EXIT.ok;
	}

	const url = urlArgument(positionals, 'token');
	const auth = await handlerFor(values, url, io);
	if (!auth) {
		throw new UsageError('token needs a handler: --auth none has no token to print.');
	}

	clientFor(auth, values, io);
	const token = await auth.getToken(url);
	if (token === undefined) {
		throw new TokenAuthenticationError('NO_TOKEN_SECURITY', `${url.origin} does not use tokens (no token security, or the web tier authenticates instead).`, {url});
	}

	const result = {token, expires: auth.expires?.toISOString() ?? null, ssl: auth.ssl ?? false};
	io.stdout.write(values.json ? `${JSON.stringify(result)}\n` : `token:   ${result.token}\nexpires: ${result.expires}\nssl:     ${result.ssl}\n`);
	return EXIT.ok;
}
