import {readFileSync} from 'node:fs';
import {TokenAuthenticationError} from '../errors.js';
import {demoCommand} from './commands/demo.js';
import {emulatorCommand} from './commands/emulator.js';
import {loginCommand} from './commands/login.js';
import {logoutCommand} from './commands/logout.js';
import {requestCommand} from './commands/request.js';
import {statusCommand} from './commands/status.js';
import {tokenCommand} from './commands/token.js';
import {EXIT, UsageError} from './exit-codes.js';
import {nearestFlag} from './parse-args.js';
import {asUsageError, exitCodeFor, failureText} from './failure.js';
import type {CliIo} from './io.js';
import {signInHint} from './sign-ins/sign-in-hint.js';

const HELP = `Usage: arcgis-auth <command> [options]

Commands:
  token <url>      obtain a token for an ArcGIS site and print it
  request <url>    make an authenticated request and print the body
  login <portal>   sign in with OAuth (a browser, once) and keep the sign-in for token and request
  logout <portal>  revoke the kept sign-in and forget it
  status           the portals you are signed in to (never a token)
  emulator         run the ArcGIS emulator on 127.0.0.1
  demo             start the emulator and walk through the library (npm start)

Passwords come from --password-stdin, ARCGIS_PASSWORD or a prompt, never from the command line.
Exit codes: 0 ok, 2 usage, 3 authentication failed, 4 HTTP or ArcGIS error (or the site could
not be reached: refused, timed out, TLS); 1 only for a failure nothing foresaw (please report it).
Run arcgis-auth help <command> (or <command> --help) for a command's options; --version the version.
`;

/** The package's version, from its package.json (two folders up from lib/cli and from dist/cli). */
function version(): string {
	return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version: string}).version;
}

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<number>> = {
	token: tokenCommand,
	request: requestCommand,
	login: loginCommand,
	logout: logoutCommand,
	status: statusCommand,
	emulator: emulatorCommand,
	demo: demoCommand,
};

/** Runs the CLI and returns its exit code; messages never carry a password or token. */
export async function main(argv: string[], io: CliIo): Promise<number> {
	const [first, ...rest] = argv;
	// `arcgis-auth help token` is `arcgis-auth token --help`.
	const [command, ...args] = first === 'help' && rest[0] !== undefined && rest[0] in COMMANDS ? [rest[0], '--help'] : [first, ...rest];
	if (command === '--version' || command === '-V') {
		io.stdout.write(`arcgis-auth ${version()}\n`);
		return EXIT.ok;
	}

	if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
		io.stdout.write(HELP);
		return command === undefined ? EXIT.usage : EXIT.ok;
	}

	const run = COMMANDS[command];
	try {
		if (!run) {
			const near = nearestFlag(command, COMMANDS)?.slice(2);
			throw new UsageError(`unknown command ${JSON.stringify(command)}${near ? ` (did you mean ${near}?)` : ''}.`);
		}

		return await run(args, io);
	} catch (thrown: unknown) {
		const error = asUsageError(thrown);
		if (error instanceof UsageError) {
			io.stderr.write(`arcgis-auth: ${error.message}\nRun arcgis-auth help${run ? ` ${command}` : ''} for usage.\n`);
		} else {
			io.stderr.write(`${failureText(error)}${error instanceof TokenAuthenticationError ? signInHint(error, io) : ''}`);
		}

		return exitCodeFor(error);
	}
}
