import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';

/**
Tries the system browser (open, start, xdg-open). A machine without one (a server over SSH) still
has the printed URL to open elsewhere: a failure to start a browser is not an error.
*/
export function startSystemBrowser(url: string): void {
	const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
	try {
		const child = spawn(command, args, {detached: true, stdio: 'ignore'});
		child.on('error', () => undefined);
		child.unref();
	} catch {
		// No browser here: the printed URL is the way.
	}
}

/** Shows the authorize URL and tries the system browser. */
export function openInBrowser(url: string, stderr: NodeJS.WritableStream = process.stderr): void {
	stderr.write(`Open this address in a browser to sign in:\n\n  ${url}\n\n`);
	startSystemBrowser(url);
}

/** Reads the pasted code: one line of `stdin` (at a terminal, `stderr` says what it waits for). */
export async function readCodeFromStdin(stdin: NodeJS.ReadableStream & {isTTY?: boolean} = process.stdin, stderr: NodeJS.WritableStream = process.stderr): Promise<string> {
	const lines = createInterface({input: stdin, terminal: false});
	if (stdin.isTTY) {
		stderr.write('Paste the code the portal shows ("OAuth2 Approval") and press Enter: ');
	}

	try {
		for await (const line of lines) {
			return line.trim();
		}

		return '';
	} finally {
		lines.close();
	}
}
