import type {CliIo} from './io.js';

/** How long a step may take before a person at a terminal is told the command is still working. */
export const SLOW_AFTER_MS = 1000;

/**
One line on standard error when a step takes longer than a second, so a slow login does not look
like a hang — only at a terminal (a script's log gets nothing) and not with -v, which shows every
step already. Returns the function that ends the wait.
*/
export function slowNotice(io: Pick<CliIo, 'stderr'>, url: URL, verbose: boolean | undefined): () => void {
	if (verbose || !io.stderr.isTTY) {
		return () => undefined;
	}

	const timer = setTimeout(() => {
		io.stderr.write(`arcgis-auth: waiting for ${url.host} (signing in and asking; Ctrl-C to stop, --timeout to give up sooner)...\n`);
	}, SLOW_AFTER_MS);
	timer.unref();
	return () => {
		clearTimeout(timer);
	};
}
