/** Runs `action` and returns the warnings process.emitWarning raised meanwhile. */
export async function captureWarnings(action: () => Promise<void>): Promise<Error[]> {
	const warnings: Error[] = [];
	const listener = (warning: Error) => {
		warnings.push(warning);
	};

	process.on('warning', listener);
	try {
		await action();
		// 'warning' is emitted on the next tick.
		await new Promise(resolve => setImmediate(resolve));
	} finally {
		process.off('warning', listener);
	}

	return warnings;
}
