/** Milliseconds taken by one awaited call. */
export async function time(action: () => Promise<unknown>): Promise<number> {
	const started = process.hrtime.bigint();
	await action();
	return Number(process.hrtime.bigint() - started) / 1e6;
}

export function median(values: readonly number[]): number {
	const sorted = [...values].sort((a, b) => a - b);
	const middle = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
Runs two variants of a workload side by side: `requests` each, in `rounds` rounds that alternate
which goes first, so drift in the machine's speed falls on both. Returns each variant's per-request
times.
*/
export async function interleave(requests: number, rounds: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<{a: number[]; b: number[]}> {
	const result = {a: [] as number[], b: [] as number[]};
	const perRound = Math.ceil(requests / rounds);
	for (let round = 0; round < rounds; round++) {
		const order = round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
		for (const side of order) {
			const action = side === 'a' ? a : b;
			for (let index = 0; index < perRound; index++) {
				result[side].push(await time(action));
			}
		}
	}

	return result;
}

/** Ratio of medians, rounded for the table. */
export function ratio(a: readonly number[], b: readonly number[]): number {
	return Math.round((median(a) / median(b)) * 1000) / 1000;
}
