import {execFile} from 'node:child_process';
import {PassThrough} from 'node:stream';
import {fileURLToPath} from 'node:url';
import {main} from '../../lib/cli/main.js';
import type {CliIo} from '../../lib/cli/io.js';

export const CLI_BIN = fileURLToPath(new URL('../../lib/cli/bin.ts', import.meta.url));

export type CliRun = {code: number; stdout: string; stderr: string};
export type CliOptions = {env?: Record<string, string>; stdin?: string; keychain?: CliIo['keychain']};

/**
The CLI running in this process with captured streams, as a user at a terminal would meet it: a
spec reads what it printed so far, waits for a line, and types on its standard input.
*/
export class CliSession {
	readonly stdin = new PassThrough();
	readonly done: Promise<CliRun>;
	#stdout = '';
	#stderr = '';
	readonly #stop: () => void;

	constructor(args: string[], options: CliOptions = {}) {
		const stdout = new PassThrough();
		const stderr = new PassThrough();
		stdout.on('data', chunk => {
			this.#stdout += String(chunk);
		});
		stderr.on('data', chunk => {
			this.#stderr += String(chunk);
		});
		let stop!: () => void;
		const stopped = new Promise<void>(resolve => {
			stop = resolve;
		});
		this.#stop = stop;
		const io: CliIo = {
			stdout,
			stderr: stderr as unknown as NodeJS.WriteStream,
			stdin: this.stdin as unknown as NodeJS.ReadStream,
			env: options.env ?? {},
			stopped,
			...(options.keychain ? {keychain: options.keychain} : {}),
		};
		if (options.stdin !== undefined) {
			this.stdin.end(options.stdin);
		}

		this.done = main(args, io).then(code => ({code, stdout: this.#stdout, stderr: this.#stderr}));
	}

	get stderr(): string {
		return this.#stderr;
	}

	/** As Ctrl-C would: the process is asked to stop. */
	interrupt(): void {
		this.#stop();
	}

	/** Waits until standard error matches, and returns the match; fails after `timeoutMs` with what was printed. */
	async waitForStderr(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpExecArray> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const match = pattern.exec(this.#stderr);
			if (match) {
				return match;
			}

			if (Date.now() > deadline) {
				throw new Error(`the CLI did not print ${pattern} on standard error; it printed: ${this.#stderr}`);
			}

			await new Promise(resolve => setTimeout(resolve, 10));
		}
	}
}

/** Runs the CLI in this process with captured streams (fast), as a user would call it. */
export async function cli(args: string[], options: CliOptions = {}): Promise<CliRun> {
	return new CliSession(args, {...options, stdin: options.stdin ?? ''}).done;
}

/** Runs the CLI as a child process, as a shell would. */
export async function cliProcess(args: string[], options: {env?: Record<string, string>; stdin?: string} = {}): Promise<CliRun> {
	return new Promise((resolve, reject) => {
		const child = execFile(process.execPath, ['--import', 'tsx', CLI_BIN, ...args], {env: {PATH: process.env.PATH ?? '', ...options.env}}, (error, stdout, stderr) => {
			if (error && typeof error.code !== 'number') {
				reject(new Error(`could not run the CLI: ${error.message}`));
				return;
			}

			resolve({code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr});
		});
		child.stdin?.end(options.stdin ?? '');
	});
}
