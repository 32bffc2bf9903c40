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
which goes first, so drift in the machine's speed falls on both (rotate with two variants). Returns
each variant's per-request times, and the rounds for roundRatio.
*/
export async function interleave(
	requests: number,
	rounds: number,
	a: () => Promise<unknown>,
	b: () => Promise<unknown>,
): Promise<{a: number[]; b: number[]; rounds: Array<{a: number[]; b: number[]}>}> {
	const times = await rotate(requests, Math.ceil(requests / rounds), {a, b});
	return {a: times.flatMap(round => round.a), b: times.flatMap(round => round.b), rounds: times};
}

/** The variants in turn order: rotated by `shift`, and run backwards when `backwards` (so each also precedes the ones it followed). */
function turnOrder<K extends string>(names: readonly K[], shift: number, backwards: boolean): K[] {
	const start = shift % names.length;
	const rotated = [...names.slice(start), ...names.slice(0, start)];
	return backwards ? rotated.reverse() : rotated;
}

/** One empty list of times per variant, for a round. */
function emptyTimes<K extends string>(names: readonly K[]): Record<K, number[]> {
	return Object.fromEntries(names.map(name => [name, [] as number[]])) as Record<K, number[]>;
}

/**
Runs several variants of a workload in the same rounds, `perRound` requests each, the order rotating
from round to round so that no variant always follows the same other one. Every variant is then
measured within the same seconds as the baseline it is compared with (see roundRatio), rather than
in runs of its own minutes apart: a drift of the machine between runs no longer shows up as a
difference between, say, the handler and the floor.
*/
export async function rotate<K extends string>(requests: number, perRound: number, variants: Readonly<Record<K, () => Promise<unknown>>>): Promise<Array<Record<K, number[]>>> {
	const names = Object.keys(variants) as K[];
	const rounds: Array<Record<K, number[]>> = [];
	const count = Math.max(10, Math.ceil(requests / perRound));
	for (let round = 0; round < count; round++) {
		// Every other cycle of rounds runs backwards.
		const times = emptyTimes(names);
		for (const name of turnOrder(names, round, Math.floor(round / names.length) % 2 === 1)) {
			(globalThis as {gc?: () => void}).gc?.();
			const action = variants[name];
			for (let index = 0; index < perRound; index++) {
				times[name].push(await time(action));
			}
		}

		rounds.push(times);
	}

	return rounds;
}

/**
The order of one cycle of `count` variants (by index) in which every ordered pair — a variant
after itself included — is next to each other exactly once (cyclically): a de Bruijn sequence of
order 2, the Lyndon words of length 1 and 2 in lexicographic order. Each variant comes `count`
times. What a request costs depends on what ran just before it (a Kerberos request per request
leaves the caches cold for the next one: measured, the same plain got request took 1.05–1.18 the
time when it always came after it): with this order every variant comes after every other one
equally often.
*/
export function pairBalancedCycle(count: number): number[] {
	const cycle: number[] = [];
	for (let first = 0; first < count; first++) {
		cycle.push(first);
		for (let second = first + 1; second < count; second++) {
			cycle.push(first, second);
		}
	}

	return cycle;
}

/**
Like rotate, but within a round the variants take turns request by request, in cycles of
pairBalancedCycle (`perRound` requests of each, rounded up to whole cycles; the variants' places
in the cycle move from round to round): each request of A is timed next to those of every other
variant, milliseconds apart, so a burst of slowness on the machine (a few milliseconds of stolen
CPU) falls on all of them rather than on one variant's block of requests, and each comes after
each other one as often. Also closer to how a script runs: other work between one request of the
handler and its next.
*/
export async function alternate<K extends string>(rounds: number, perRound: number, variants: Readonly<Record<K, () => Promise<unknown>>>): Promise<Array<Record<K, number[]>>> {
	const names = Object.keys(variants) as K[];
	const cycle = pairBalancedCycle(names.length);
	const cycles = Math.ceil(perRound / names.length);
	const result: Array<Record<K, number[]>> = [];
	for (let round = 0; round < rounds; round++) {
		(globalThis as {gc?: () => void}).gc?.();
		const times = emptyTimes(names);
		for (let index = 0; index < cycles * cycle.length; index++) {
			const name = names[(cycle[index % cycle.length]! + round) % names.length]!;
			times[name].push(await time(variants[name]));
		}

		result.push(times);
	}

	return result;
}

/** Two variants of rotate's rounds, as roundRatio takes them. */
export function pairOf<K extends string>(rounds: ReadonlyArray<Record<K, number[]>>, a: K, b: K): Array<{a: number[]; b: number[]}> {
	return rounds.map(round => ({a: round[a], b: round[b]}));
}

/**
The ratio of A to B as the median of the rounds' ratios (each round's median A ÷ median B), with
their spread: a round is A and B side by side within seconds, so a machine that drifts between
rounds moves both. Steadier than one ratio over all requests on these noisy machines.
*/
export function roundRatio(rounds: ReadonlyArray<{a: readonly number[]; b: readonly number[]}>): {median: number; min: number; max: number} {
	const ratios = rounds.map(round => median(round.a) / median(round.b));
	const round3 = (value: number) => Math.round(value * 1000) / 1000;
	return {median: round3(median(ratios)), min: round3(Math.min(...ratios)), max: round3(Math.max(...ratios))};
}

/** Ratio of medians, rounded for the table. */
export function ratio(a: readonly number[], b: readonly number[]): number {
	return Math.round((median(a) / median(b)) * 1000) / 1000;
}
