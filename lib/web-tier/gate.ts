/** A promise to wait on, settled from outside: one request's outcome that others wait for. */
export type Gate = {promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void};

export function gate(): Gate {
	let resolve!: () => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<void>((resolve_, reject_) => {
		resolve = resolve_;
		reject = reject_;
	});
	// Waiters attach their own handlers; an unobserved rejection must not crash the process.
	promise.catch(() => undefined);
	return {promise, resolve, reject};
}
