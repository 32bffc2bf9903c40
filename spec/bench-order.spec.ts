import assert from 'node:assert/strict';
import {alternate, pairBalancedCycle} from '../bench/measure.js';

/** How often each ordered pair of variants is next to each other in `sequence` (cyclically when `cyclic`). */
function pairCounts(sequence: readonly string[], cyclic: boolean): Map<string, number> {
	const counts = new Map<string, number>();
	const last = cyclic ? sequence.length : sequence.length - 1;
	for (let index = 0; index < last; index++) {
		const pair = `${sequence[index]}>${sequence[(index + 1) % sequence.length]}`;
		counts.set(pair, (counts.get(pair) ?? 0) + 1);
	}

	return counts;
}

describe('the bench: the order in which variants take turns', () => {
	for (const count of [1, 2, 3, 4, 5, 6]) {
		it(`${count} variant(s): each comes ${count} times a cycle, and every ordered pair, a variant after itself too, is next to each other exactly once`, () => {
			const cycle = pairBalancedCycle(count).map(String);
			assert.equal(cycle.length, count * count);
			for (let variant = 0; variant < count; variant++) {
				assert.equal(cycle.filter(seen => seen === String(variant)).length, count);
			}

			const counts = pairCounts(cycle, true);
			assert.equal(counts.size, count * count, 'every ordered pair');
			assert.ok(
				[...counts.values()].every(times => times === 1),
				'each once',
			);
		});
	}

	it('alternate: perRound requests of each variant in a round, each variant after every other one as often', async () => {
		const order: string[] = [];
		const variant = (name: string) => async () => {
			order.push(name);
			return Promise.resolve();
		};

		const rounds = await alternate(3, 8, {anon: variant('anon'), ntlm: variant('ntlm'), kerberos: variant('kerberos'), bound: variant('bound')});
		assert.equal(rounds.length, 3);
		for (const round of rounds) {
			assert.deepEqual(
				Object.values(round).map(times => times.length),
				[8, 8, 8, 8],
			);
		}

		// Two cycles a round: each pair twice, but for the one that would close the round's last cycle.
		for (let round = 0; round < 3; round++) {
			const counts = pairCounts(order.slice(round * 32, (round + 1) * 32), false);
			assert.equal(counts.size, 16);
			assert.deepEqual([...counts.values()].sort(), [1, ...Array.from({length: 15}, () => 2)]);
		}

		assert.notEqual(order[0], order[32], 'the variants move in the cycle from round to round');
	});

	it('alternate: a count that is not a whole number of cycles is rounded up (every variant as many as the others)', async () => {
		const rounds = await alternate(1, 3, {a: async () => Promise.resolve(), b: async () => Promise.resolve()});
		assert.deepEqual(
			Object.values(rounds[0]!).map(times => times.length),
			[4, 4],
		);
	});
});
