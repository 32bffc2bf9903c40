// A fleet of real processes for the bench and the soak: each runs bench/fleet-child.ts (its own
// handler, its own store connections), all start a run at once, and none outlives a run's deadline.
import {spawn, type ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';
import type {FleetChildConfig, FleetChildResult} from './fleet-child.js';

const CHILD = fileURLToPath(new URL('fleet-child.ts', import.meta.url));

/** One process's outcome of a run: its result, or why there is none (killed at the deadline, crashed). */
export type FleetProcessOutcome = {pid: number; result?: FleetChildResult; problem?: string};

class FleetProcess {
	readonly child: ChildProcess;
	readonly pid: number;
	readonly #lines: string[] = [];
	#wake: (() => void) | undefined;
	#exit: string | undefined;
	#killedFor: string | undefined;
	#stderr = '';

	constructor() {
		// Started on the parent's Node with tsx, as the bench itself: one process each (no tsx CLI in between).
		this.child = spawn(process.execPath, ['--import', 'tsx', CHILD], {stdio: ['pipe', 'pipe', 'pipe']});
		this.pid = this.child.pid ?? 0;
		// A child that died has closed its end: a write to it must not throw here.
		this.child.stdin!.on('error', () => undefined);
		createInterface({input: this.child.stdout!}).on('line', line => {
			this.#lines.push(line);
			this.#wake?.();
		});
		this.child.stderr!.on('data', (chunk: Buffer) => {
			this.#stderr = (this.#stderr + chunk.toString()).slice(-2000);
		});
		this.child.once('close', (code, signal) => {
			this.#exit = this.#killedFor ?? `exited with ${code ?? signal}${this.#stderr ? `: ${this.#stderr.trim()}` : ''}`;
			this.#wake?.();
		});
	}

	/** Its next line of output, or why there is none (it exited). */
	async nextLine(): Promise<{line: string} | {problem: string}> {
		while (this.#lines.length === 0 && this.#exit === undefined) {
			await new Promise<void>(resolve => {
				this.#wake = resolve;
			});
		}

		const line = this.#lines.shift();
		return line === undefined ? {problem: this.#exit!} : {line};
	}

	send(line: string): void {
		this.child.stdin!.write(`${line}\n`);
	}

	get running(): boolean {
		return this.child.exitCode === null && this.child.signalCode === null;
	}

	/** Kills it by its PID, with the reason it will report. */
	kill(reason: string): void {
		if (this.running) {
			this.#killedFor ??= reason;
			process.kill(this.pid, 'SIGKILL');
		}
	}

	/** Closes its input (it exits), and kills it if it has not exited within `graceMs`. */
	async close(graceMs: number): Promise<void> {
		if (!this.running) {
			return;
		}

		const exited = new Promise(resolve => this.child.once('close', resolve));
		this.child.stdin!.end();
		const timer = setTimeout(() => {
			this.kill(`did not exit within ${graceMs / 1000} s of its input closing: killed`);
		}, graceMs);
		await exited;
		clearTimeout(timer);
	}
}

/** `count` processes of a fleet, for one run or more (each run a new handler in every process); close() when done. */
export class Fleet {
	readonly #processes: FleetProcess[];

	constructor(count: number) {
		this.#processes = Array.from({length: count}, () => new FleetProcess());
	}

	get size(): number {
		return this.#processes.length;
	}

	/**
	One run, `configs[i]` in process i: all set up, then all told to go at once (then `started` is
	called, e.g. to start revoking tokens), then their results. A process still running `timeoutMs`
	after the run began is killed by its PID and reported as such (it takes no part in later runs).
	*/
	async run(configs: readonly FleetChildConfig[], timeoutMs: number, started?: () => void): Promise<FleetProcessOutcome[]> {
		const deadline = setTimeout(() => {
			for (const each of this.#processes) {
				each.kill(`still running after ${timeoutMs / 1000} s: killed (pid ${each.pid})`);
			}
		}, timeoutMs);
		try {
			const steps = this.#processes.map((each, index) => {
				each.send(JSON.stringify(configs[index]));
				return each;
			});
			const ready = await Promise.all(steps.map(async each => each.nextLine()));
			for (const each of steps) {
				each.send('go');
			}

			started?.();
			return await Promise.all(
				steps.map(async (each, index): Promise<FleetProcessOutcome> => {
					const answer = ready[index]!;
					if ('problem' in answer) {
						return {pid: each.pid, problem: answer.problem};
					}

					const last = await each.nextLine();
					if ('problem' in last) {
						return {pid: each.pid, problem: last.problem};
					}

					return last.line.startsWith('{') ? {pid: each.pid, result: JSON.parse(last.line) as FleetChildResult} : {pid: each.pid, problem: `answered ${last.line}`};
				}),
			);
		} finally {
			clearTimeout(deadline);
		}
	}

	/** Lets every process exit; kills (by PID) one that does not within 5 s. */
	async close(): Promise<void> {
		await Promise.all(this.#processes.map(async each => each.close(5000)));
	}
}

/** A run's results added up: requests served and failed, failures by code, and what went wrong with any process. */
export function sumFleet(outcomes: readonly FleetProcessOutcome[]): {ok: number; failed: number; failures: Record<string, number>; problems: string[]; heapMb: number[]} {
	const total = {ok: 0, failed: 0, failures: {} as Record<string, number>, problems: [] as string[], heapMb: [] as number[]};
	for (const {pid, result, problem} of outcomes) {
		if (result) {
			total.ok += result.ok;
			total.failed += result.failed;
			total.heapMb.push(result.heapMb);
			for (const [code, count] of Object.entries(result.failures)) {
				total.failures[code] = (total.failures[code] ?? 0) + count;
			}
		} else {
			total.problems.push(`process ${pid} ${problem ?? 'gave no result'}`);
		}
	}

	return total;
}

/** Failures by code, for a line: `error 498: 3, ETIMEDOUT: 1`. */
export function formatFailures(failures: Record<string, number>): string {
	return Object.entries(failures)
		.map(([code, count]) => `${code}: ${count}`)
		.join(', ');
}

/** `total` shared out over `count` as evenly as whole numbers allow (the first ones take the remainder). */
export function share(total: number, count: number): number[] {
	return Array.from({length: count}, (_, index) => Math.floor(total / count) + (index < total % count ? 1 : 0));
}
