import type {RedisClientLike} from './redis-client.js';

/**
The waiters of one RedisTokenStore, woken by Redis pub/sub: one subscribed connection for all of
them (a pattern on the store's prefix), made on the first wait. If it cannot be made or is away,
waiters still wake at their time: the fleet polls, a notification only makes it sooner.
*/
export class WakeUps {
	readonly #client: RedisClientLike;
	readonly #pattern: string;
	readonly #waiters = new Map<string, Set<() => void>>();
	#subscriber: RedisClientLike | undefined;
	#subscribing: Promise<void> | undefined;
	#closed = false;

	constructor(client: RedisClientLike, pattern: string) {
		this.#client = client;
		this.#pattern = pattern;
	}

	/** Resolves when `channel` (the full Redis channel name) is published, after `ms`, or when `signal` aborts. Never rejects. */
	async wait(channel: string, ms: number, signal: AbortSignal): Promise<void> {
		this.#subscribe();
		await new Promise<void>(resolve => {
			let waiters = this.#waiters.get(channel);
			if (!waiters) {
				waiters = new Set();
				this.#waiters.set(channel, waiters);
			}

			const done = () => {
				clearTimeout(timer);
				signal.removeEventListener('abort', done);
				waiters.delete(done);
				if (waiters.size === 0 && this.#waiters.get(channel) === waiters) {
					this.#waiters.delete(channel);
				}

				resolve();
			};

			const timer = setTimeout(done, ms);
			waiters.add(done);
			if (signal.aborted) {
				done();
			} else {
				signal.addEventListener('abort', done, {once: true});
			}
		});
	}

	/** Wakes the waiters of this process at once (the publish reaches the others). */
	wake(channel: string): void {
		for (const done of [...(this.#waiters.get(channel) ?? [])]) {
			done();
		}
	}

	async close(): Promise<RedisClientLike | undefined> {
		this.#closed = true;
		for (const channel of [...this.#waiters.keys()]) {
			this.wake(channel);
		}

		await this.#subscribing;
		return this.#subscriber;
	}

	#subscribe(): void {
		if (this.#subscriber || this.#closed) {
			return;
		}

		const subscriber = this.#client.duplicate();
		this.#subscriber = subscriber;
		// Without a listener an 'error' event would end the process; node-redis reconnects and
		// subscribes again by itself.
		subscriber.on('error', () => undefined);
		this.#subscribing = (async () => {
			try {
				await subscriber.connect();
				await subscriber.pSubscribe(this.#pattern, (_message, channel) => {
					this.wake(channel);
				});
			} catch {
				// Polling alone for now; the next wait tries again.
				subscriber.destroy?.();
				if (this.#subscriber === subscriber) {
					this.#subscriber = undefined;
				}
			}
		})();
	}
}
