/**
A store that many processes share, so that a fleet logs in once per token lifetime (option `store`
of every handler that obtains tokens). `RedisTokenStore` (`got-arcgis-auth/redis`) is one; any
other shared service with expiring keys, an atomic "set if absent" and a way to wake waiters can be
another.

The library decides every key and value; a store keeps them. Keys carry no secret: they name whose
token it is by a hash of the site, user, client and referer (never a password), and a stored login
refusal by a slow, salted fingerprint of the password. Values are token records in the clear
(JSON): **a store must protect them at rest** — `RedisTokenStore` seals them with AES-256-GCM under
its `encryptionKey`.

A store may fail in any method (reject, or take too long): the handler then goes on as if it had
no store, warns once, and tries the store again later. A store never needs to retry itself.
*/
export interface TokenStore {
	/** The value under `key`, or undefined when there is none (or it expired). */
	get(key: string): Promise<string | undefined>;

	/** Sets `key` to `value`, to expire after `ttlMs` milliseconds. */
	set(key: string, value: string, ttlMs: number): Promise<void>;

	/**
	Deletes `key` only if it still holds `expected` (compare-and-delete, atomically): a process that
	saw a token rejected must not delete the fresh one another process wrote meanwhile.
	*/
	deleteIf(key: string, expected: string): Promise<void>;

	/**
	Takes the lock `key` for `owner` if no one holds it (atomically), to expire after `ttlMs`: a lock
	whose holder died is free again then. True when taken.
	*/
	lock(key: string, owner: string, ttlMs: number): Promise<boolean>;

	/** Releases the lock `key` if `owner` still holds it (a lock that expired and was taken by another stays theirs). */
	unlock(key: string, owner: string): Promise<void>;

	/** Wakes every process waiting on `channel` (see {@link waitFor}), in this process and others. */
	notify(channel: string): Promise<void>;

	/**
	Resolves when `channel` is notified, or after `ms` milliseconds, or when `signal` aborts —
	whichever comes first. The library polls as well, so a missed notification costs time, not a
	result.
	*/
	waitFor(channel: string, ms: number, signal: AbortSignal): Promise<void>;

	/** How long the library waits for each call of this store, and the other times it applies; defaults in {@link StoreTiming}. */
	readonly timing?: Partial<StoreTiming>;
}

/** The times a fleet works by, in milliseconds. Every one has a default; a store may set them (RedisTokenStore's options do). */
export type StoreTiming = {
	/** Longest wait for one store call before the handler goes on without the store. Default 1000. */
	operationTimeout: number;
	/**
	How long a login lock lives if its holder never releases it (it died): others take over then.
	Default 45000, more than a login's default deadline (`callTimeout`, 30 s).
	*/
	lockTtl: number;
	/** How long a refused login is kept for the fleet (for that password): no process tries it again before. Default 900000 (15 minutes). */
	failureTtl: number;
	/** A waiter's poll interval, in case a notification is lost. Default 250. */
	pollInterval: number;
	/** After a store failure, how long the handler goes without the store before trying it again. Default 1000. */
	retryAfter: number;
};

/** The defaults of {@link StoreTiming}. */
export const DEFAULT_STORE_TIMING: Readonly<StoreTiming> = {operationTimeout: 1000, lockTtl: 45_000, failureTtl: 900_000, pollInterval: 250, retryAfter: 1000};
