import {TokenAuthenticationError} from '../errors.js';
import {redactUrl} from '../site/redact.js';
import {demoCommand} from './commands/demo.js';
import {emulatorCommand} from './commands/emulator.js';
import {loginCommand} from './commands/login.js';
import {logoutCommand} from './commands/logout.js';
import {requestCommand} from './commands/request.js';
import {statusCommand} from './commands/status.js';
import {tokenCommand} from './commands/token.js';
import {EXIT, UsageError, exitCodeFor} from './exit-codes.js';
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
Exit codes: 0 ok, 2 usage, 3 authentication failed, 4 HTTP or ArcGIS error.
Run arcgis-auth <command> --help for a command's options.
`;

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
	const [command, ...args] = argv;
	if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
		io.stdout.write(HELP);
		return command === undefined ? EXIT.usage : EXIT.ok;
	}

	const run = COMMANDS[command];
	try {
		if (!run) {
			throw new UsageError(`unknown command ${JSON.stringify(command)}.`);
		}

		return await run(args, io);
	} catch (error: unknown) {
		const code = exitCodeFor(error);
		if (error instanceof UsageError) {
			io.stderr.write(`arcgis-auth: ${error.message}\nRun arcgis-auth ${run ? `${command} ` : ''}--help for usage.\n`);
		} else if (error instanceof TokenAuthenticationError) {
			io.stderr.write(`arcgis-auth: ${error.code}: ${error.message}\n${signInHint(error, io)}`);
		} else {
			const url = (error as {options?: {url?: URL}}).options?.url;
			io.stderr.write(`arcgis-auth: ${error instanceof Error ? error.message : String(error)}${url ? ` (${redactUrl(url)})` : ''}\n`);
		}

		return code;
	}
}
