import {read} from 'read';
import {UsageError} from './exit-codes.js';

export type PasswordSource = {passwordStdin: boolean; env: NodeJS.ProcessEnv; stdin: NodeJS.ReadStream; stderr: NodeJS.WriteStream};

/** The first line of a stream (or all of it, when it has no newline): at a terminal, Enter ends it. */
async function readLine(stream: NodeJS.ReadableStream): Promise<string> {
	let text = '';
	for await (const chunk of stream) {
		text += String(chunk);
		if (text.includes('\n')) {
			break;
		}
	}

	return text.split(/\r?\n/)[0]!;
}

/**
The password, never from the command line (it would stay in the shell history and the process
list): `--password-stdin`, then `ARCGIS_PASSWORD`, then a prompt that does not echo (a terminal only).
*/
export async function obtainPassword(source: PasswordSource, username: string): Promise<string> {
	if (source.passwordStdin) {
		if (source.stdin.isTTY) {
			// At a terminal nothing would say the command waits: it reads one line (which the terminal shows).
			source.stderr.write(`--password-stdin: type the password for ${username} and press Enter (it is shown; leave out --password-stdin for a hidden prompt).\n`);
		}

		const text = await readLine(source.stdin);
		if (text === '') {
			throw new UsageError('--password-stdin read an empty password.');
		}

		return text;
	}

	const fromEnv = source.env.ARCGIS_PASSWORD;
	if (fromEnv) {
		return fromEnv;
	}

	if (!source.stdin.isTTY) {
		throw new UsageError(`a password for ${username} is needed: use --password-stdin or ARCGIS_PASSWORD (no terminal to prompt on).`);
	}

	const password = await read({prompt: `Password for ${username}: `, silent: true, replace: '', output: source.stderr});
	// A silent prompt does not echo the Enter either.
	source.stderr.write('\n');
	return password;
}
