import type {StoreTiming, TokenStore} from '../../lib/index.js';

/**
A TokenStore in memory, for specs of the fleet logic in one process: handlers that share it behave
as processes that share a Redis. Every value is kept as given (the spec reads them), expiry is real
time, and `failing` / `hanging` make every call fail or never answer, as a store that is away.
*/
export class MemoryStore implements TokenStore {
	readonly values = new Map<string, {value: string; until: number}>();
	readonly calls: string[] = [];
	failing = false;
	hanging = false;
	readonly timing: Partial<StoreTiming>;
	readonly #waiters = new Map<string, Set<() => void>>();

	constructor(timing: Partial<StoreTiming> = {}) {
		this.timing = timing;
	}

	async get(key: string): Promise<string | undefined> {
		await this.#enter('get');
		const entry = this.values.get(key);
		if (entry && entry.until <= Date.now()) {
			this.values.delete(key);
			return undefined;
		}

		return entry?.value;
	}

	async set(key: string, value: string, ttlMs: number): Promise<void> {
		await this.#enter('set');
		this.values.set(key, {value, until: Date.now() + ttlMs});
	}

	async deleteIf(key: string, expected: string): Promise<void> {
		await this.#enter('deleteIf');
		if (this.values.get(key)?.value === expected) {
			this.values.delete(key);
		}
	}

	async lock(key: string, owner: string, ttlMs: number): Promise<boolean> {
		await this.#enter('lock');
		const entry = this.values.get(key);
		if (entry && entry.until > Date.now()) {
			return false;
		}

		this.values.set(key, {value: owner, until: Date.now() + ttlMs});
		return true;
	}

	async unlock(key: string, owner: string): Promise<void> {
		await this.deleteIf(key, owner);
	}

	async notify(channel: string): Promise<void> {
		await this.#enter('notify');
		for (const wake of [...(this.#waiters.get(channel) ?? [])]) {
			wake();
		}
	}

	async waitFor(channel: string, ms: number, signal: AbortSignal): Promise<void> {
		await this.#enter('waitFor');
		await new Promise<void>(resolve => {
			const waiters = this.#waiters.get(channel) ?? new Set();
			this.#waiters.set(channel, waiters);
			const done = () => {
				clearTimeout(timer);
				waiters.delete(done);
				signal.removeEventListener('abort', done);
				resolve();
			};

			const timer = setTimeout(done, ms);
			waiters.add(done);
			signal.addEventListener('abort', done, {once: true});
		});
	}

	/** The keys that start with `kind:` (token, lock, failure). */
	keys(kind: string): string[] {
		return [...this.values.keys()].filter(key => key.startsWith(`${kind}:`));
	}

	async #enter(name: string): Promise<void> {
		this.calls.push(name);
		if (this.hanging) {
			await new Promise(() => undefined);
		}

		if (this.failing) {
			throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379 (password hunter2)'), {code: 'ECONNREFUSED'});
		}
	}
}
