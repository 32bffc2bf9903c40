import {createRequire} from 'node:module';
import {invalidOption} from '../errors.js';

/**
What RedisTokenStore needs of a Redis client: the commands of node-redis (`redis` on npm, v5 or
later) as `createClient`, `createCluster` and `createSentinel` make them. Written out here so that
the library's types do not depend on the optional `redis` package.
*/
export type RedisClientLike = {
	/** Whether the client was connected (it may be reconnecting). */
	readonly isOpen: boolean;
	/** Opens the connection. */
	connect(): Promise<unknown>;
	/** `GET key`. */
	get(key: string): Promise<unknown>;
	/** `EVAL script`: the store's atomic steps (set with expiry, lock, compare-and-delete). */
	eval(script: string, options: {keys: string[]; arguments: string[]}): Promise<unknown>;
	/** `PUBLISH channel message`: wakes the waiters. */
	publish(channel: string, message: string): Promise<unknown>;
	/** A second connection like this one: a subscribed connection can send nothing else. */
	duplicate(): RedisClientLike;
	/** `PSUBSCRIBE pattern`, on the duplicate. */
	pSubscribe(pattern: string, listener: (message: string, channel: string) => void): Promise<unknown>;
	/** Listens for connection errors (of the clients the store makes). */
	on(event: 'error', listener: (error: unknown) => void): unknown;
	/** Stops listening. */
	off?(event: 'error', listener: (error: unknown) => void): unknown;
	/** Closes the connection after pending commands. */
	close?(): Promise<unknown>;
	/** Closes the connection at once. */
	destroy?(): unknown;
};

type RedisModule = {createClient(options: Record<string, unknown>): RedisClientLike};

/**
A client of our own for `url`: it fails at once when Redis is away instead of queueing commands
(`disableOfflineQueue`: a request must not wait for Redis to come back), and keeps reconnecting in
the background, so the store is used again when Redis returns.
*/
export function clientFor(url: string): RedisClientLike {
	let redis: RedisModule;
	try {
		redis = createRequire(import.meta.url)('redis') as RedisModule;
	} catch {
		throw invalidOption('RedisTokenStore needs the optional package redis: npm install redis (or pass a client of your own).');
	}

	if (!/^rediss?:\/\//i.test(url)) {
		throw invalidOption('RedisTokenStore option url must be a redis:// or rediss:// URL.');
	}

	return redis.createClient({
		url,
		disableOfflineQueue: true,
		socket: {connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000)},
	});
}

/** Closes a client of ours, whatever it is doing (connecting, reconnecting, idle). */
export async function closeClient(client: RedisClientLike): Promise<void> {
	try {
		if (client.isOpen && client.close) {
			await client.close();
		} else {
			client.destroy?.();
		}
	} catch {
		client.destroy?.();
	}
}
