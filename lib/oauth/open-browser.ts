import {spawn} from 'node:child_process';
import {createInterface} from 'node:readline';

/**
Shows the authorize URL and tries the system browser (xdg-open, open, start). A machine without
one (a server over SSH) still has the printed URL to open elsewhere; a failure to start a browser
is not an error.
*/
export function openInBrowser(url: string): void {
	process.stderr.write(`Open this address in a browser to sign in:\n\n  ${url}\n\n`);
	const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
	try {
		const child = spawn(command, args, {detached: true, stdio: 'ignore'});
		child.on('error', () => undefined);
		child.unref();
	} catch {
		// No browser here: the printed URL is the way.
	}
}

/** Reads the pasted code: one line from standard input (the terminal says what it waits for). */
export async function readCodeFromStdin(): Promise<string> {
	const lines = createInterface({input: process.stdin, terminal: false});
	if (process.stdin.isTTY) {
		process.stderr.write('Paste the code the portal shows ("OAuth2 Approval") and press Enter: ');
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
