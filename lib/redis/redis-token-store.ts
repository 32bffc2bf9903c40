import {invalidOption} from '../errors.js';
import {Sealer, type EncryptionKey} from '../store/sealing.js';
import type {StoreTiming, TokenStore} from '../store/token-store.js';
import {clientFor, closeClient, type RedisClientLike} from './redis-client.js';
import {WakeUps} from './wake-ups.js';

/** Options of {@link RedisTokenStore}. Give `url` or `client`. */
export type RedisTokenStoreOptions = Partial<StoreTiming> & {
	/** `redis://[[user]:password@]host:port[/db]` or `rediss://…` (TLS). Needs the optional package `redis`. */
	url?: string;
	/** A node-redis client of your own (`createClient`, `createCluster`, `createSentinel`): connected if it is not; closing it stays yours. */
	client?: RedisClientLike;
	/** Put in front of every key and channel, to share one Redis between fleets or apps. Default `'got-arcgis-auth:'`. */
	prefix?: string;
	/**
	The key tokens are sealed with (AES-256-GCM): a string of at least 32 characters or at least 32
	bytes. A list rotates keys: the first seals, every one opens. Required unless `allowPlaintext`.
	*/
	encryptionKey?: EncryptionKey | readonly EncryptionKey[];
	/** Store tokens in the clear when no `encryptionKey` is given (a Redis only this fleet can read). Default `false`. */
	allowPlaintext?: boolean;
};

// Compare-and-delete, for a rejected token and for a lock: only the value that was read goes.
const DELETE_IF = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
const SET_PX = "return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])";
const SET_NX_PX = "return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX')";

/**
A {@link TokenStore} on Redis (`got-arcgis-auth/redis`): one token per token lifetime for every
process and machine that shares it. Tokens and refused logins are sealed with AES-256-GCM under
`encryptionKey`; keys name whose token it is by a hash, never a password. Locks are `SET NX PX`
(they expire if their holder dies), waiters are woken by pub/sub and poll as well.

```ts
const store = new RedisTokenStore({url: 'redis://127.0.0.1:6379', encryptionKey: process.env.ARCGIS_STORE_KEY});
const auth = new ArcGISServerTokenAuth(username, password, {store});
// ... requests ...
await store.close();
```
*/
export class RedisTokenStore implements TokenStore {
	/** The times the fleet works by: the defaults of StoreTiming with this store's options. */
	readonly timing: Partial<StoreTiming>;
	readonly #client: RedisClientLike;
	readonly #own: boolean;
	readonly #prefix: string;
	readonly #sealer: Sealer | undefined;
	readonly #wakeUps: WakeUps;
	#connecting: Promise<unknown> | undefined;

	constructor(options: RedisTokenStoreOptions) {
		if (typeof options !== 'object' || options === null) {
			throw invalidOption('RedisTokenStore needs options: {url} or {client}, and encryptionKey.');
		}

		const {url, client, prefix = 'got-arcgis-auth:', encryptionKey, allowPlaintext = false, ...timing} = options;
		if ((url === undefined) === (client === undefined)) {
			throw invalidOption('RedisTokenStore needs exactly one of the options url and client.');
		}

		const missing =
			client === undefined ? [] : ['connect', 'get', 'eval', 'publish', 'duplicate', 'pSubscribe'].filter(name => typeof (client as unknown as Record<string, unknown>)[name] !== 'function');
		if (missing.length > 0) {
			throw invalidOption(`RedisTokenStore option client must be a node-redis client (createClient, createCluster, createSentinel); it has no ${missing.join(', ')}.`);
		}

		if (typeof prefix !== 'string' || /[\s*?[\]{}]/.test(prefix)) {
			throw invalidOption('RedisTokenStore option prefix must be a string without spaces, braces or glob characters.');
		}

		if (encryptionKey === undefined && allowPlaintext !== true) {
			throw invalidOption(
				'RedisTokenStore needs encryptionKey (at least 32 characters or bytes, e.g. `openssl rand -base64 32`) to seal the tokens it keeps; or allowPlaintext: true for a Redis that only this fleet can read.',
			);
		}

		this.#sealer = encryptionKey === undefined ? undefined : new Sealer(Array.isArray(encryptionKey) ? (encryptionKey as readonly EncryptionKey[]) : [encryptionKey as EncryptionKey]);
		this.timing = checkedTiming(timing);
		this.#prefix = prefix;
		this.#own = client === undefined;
		this.#client = client ?? clientFor(url!);
		if (this.#own) {
			// Without a listener an 'error' event would end the process; the fleet hears of failures
			// through the commands that fail, and warns.
			this.#client.on('error', () => undefined);
		}

		this.#wakeUps = new WakeUps(this.#client, `${prefix}ready:*`);
	}

	async get(key: string): Promise<string | undefined> {
		const value = await (await this.#ready()).get(this.#prefix + key);
		return typeof value === 'string' ? this.#open(key, value) : undefined;
	}

	async set(key: string, value: string, ttlMs: number): Promise<void> {
		await (await this.#ready()).eval(SET_PX, {keys: [this.#prefix + key], arguments: [this.#seal(key, value), String(Math.max(1, Math.ceil(ttlMs)))]});
	}

	async deleteIf(key: string, expected: string): Promise<void> {
		const client = await this.#ready();
		// Sealed values differ each time (a fresh IV): compare what they open to, delete what was read.
		const sealed = await client.get(this.#prefix + key);
		if (typeof sealed === 'string' && this.#open(key, sealed) === expected) {
			await client.eval(DELETE_IF, {keys: [this.#prefix + key], arguments: [sealed]});
		}
	}

	async lock(key: string, owner: string, ttlMs: number): Promise<boolean> {
		const answer = await (await this.#ready()).eval(SET_NX_PX, {keys: [this.#prefix + key], arguments: [owner, String(Math.max(1, Math.ceil(ttlMs)))]});
		return answer === 'OK';
	}

	async unlock(key: string, owner: string): Promise<void> {
		await (await this.#ready()).eval(DELETE_IF, {keys: [this.#prefix + key], arguments: [owner]});
	}

	async notify(channel: string): Promise<void> {
		this.#wakeUps.wake(this.#prefix + channel);
		await (await this.#ready()).publish(this.#prefix + channel, '1');
	}

	async waitFor(channel: string, ms: number, signal: AbortSignal): Promise<void> {
		await this.#wakeUps.wait(this.#prefix + channel, ms, signal);
	}

	/** Closes the connections this store opened (a client given to it stays open: it is yours). */
	async close(): Promise<void> {
		const subscriber = await this.#wakeUps.close();
		if (subscriber) {
			await closeClient(subscriber);
		}

		if (this.#own) {
			await closeClient(this.#client);
		}
	}

	/**
	The client, connected. The first connection is waited for until it succeeds or first fails: node-redis
	then keeps trying in the background, and every command fails at once until it is back (no offline
	queue) — a Redis that is away costs a request nothing but the store's absence.
	*/
	async #ready(): Promise<RedisClientLike> {
		const client = this.#client;
		if (client.isOpen) {
			return client;
		}

		this.#connecting ??= client.connect().catch((error: unknown) => {
			this.#connecting = undefined;
			throw error;
		});
		let onError: ((error: unknown) => void) | undefined;
		try {
			await Promise.race([
				this.#connecting,
				new Promise((_resolve, reject) => {
					onError = reject;
					client.on('error', onError);
				}),
			]);
		} finally {
			client.off?.('error', onError!);
		}

		return client;
	}

	#seal(key: string, value: string): string {
		return this.#sealer ? this.#sealer.seal(key, value) : value;
	}

	/** A value that does not open (tampered, another key, sealed by a key no longer given) is no value. */
	#open(key: string, value: string): string | undefined {
		return this.#sealer ? this.#sealer.open(key, value) : value;
	}
}

function checkedTiming(timing: Partial<StoreTiming>): Partial<StoreTiming> {
	for (const [name, value] of Object.entries(timing)) {
		if (!['operationTimeout', 'lockTtl', 'failureTtl', 'pollInterval', 'retryAfter'].includes(name)) {
			throw invalidOption(`RedisTokenStore has no option ${name}.`);
		}

		if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
			throw invalidOption(`RedisTokenStore option ${name} must be a number of milliseconds (1 or more).`);
		}
	}

	return timing;
}
