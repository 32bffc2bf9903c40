import assert from 'node:assert/strict';
import {createClient} from 'redis';
import {TokenAuthenticationError} from '../lib/index.js';
import {RedisTokenStore} from '../lib/redis/index.js';
import {redisUrl, requireRedis, uniquePrefix} from './helpers/redis.js';

const KEY = 'redis-store-spec-key-0123456789abcdef';
const OTHER = 'another-key-of-32-characters-or-more';

function invalidOption(pattern: RegExp) {
	return (error: unknown) => {
		assert.ok(error instanceof TokenAuthenticationError);
		assert.equal(error.code, 'INVALID_OPTION');
		assert.match(error.message, pattern);
		return true;
	};
}

describe('RedisTokenStore', () => {
	describe('options', () => {
		it('refuses to start without encryptionKey unless allowPlaintext is true', () => {
			assert.throws(() => new RedisTokenStore({url: 'redis://127.0.0.1:1'}), invalidOption(/needs encryptionKey.*allowPlaintext: true/));
			const plain = new RedisTokenStore({url: 'redis://127.0.0.1:1', allowPlaintext: true});
			assert.ok(plain);
		});

		it('rejects a short key without repeating it', () => {
			assert.throws(
				() => new RedisTokenStore({url: 'redis://127.0.0.1:1', encryptionKey: 'short-Secret-1'}),
				(error: unknown) => invalidOption(/encryptionKey must be a string of at least 32 characters/)(error) && !(error as Error).message.includes('short-Secret-1'),
			);
			assert.throws(() => new RedisTokenStore({url: 'redis://127.0.0.1:1', encryptionKey: [KEY, 'short']}), invalidOption(/encryptionKey\[1\]/));
		});

		it('wants exactly one of url and client, a redis URL, and known timing options', () => {
			assert.throws(() => new RedisTokenStore({encryptionKey: KEY}), invalidOption(/exactly one of the options url and client/));
			assert.throws(() => new RedisTokenStore({url: 'http://127.0.0.1:6379', encryptionKey: KEY}), invalidOption(/redis:\/\/ or rediss:\/\//));
			assert.throws(() => new RedisTokenStore({url: 'redis://127.0.0.1:1', encryptionKey: KEY, lockTtl: -1}), invalidOption(/lockTtl must be a number of milliseconds/));
			assert.throws(() => new RedisTokenStore({url: 'redis://127.0.0.1:1', encryptionKey: KEY, prefix: 'a{b}:'}), invalidOption(/prefix/));
			assert.throws(
				() => new RedisTokenStore({client: {get() {}} as never, encryptionKey: KEY}),
				invalidOption(/client must be a node-redis client .*it has no connect, eval, publish, duplicate, pSubscribe\./),
			);
		});
	});

	describe('against a real Redis', () => {
		let raw: ReturnType<typeof createClient>;
		const stores: RedisTokenStore[] = [];
		const make = (prefix: string, options: Partial<ConstructorParameters<typeof RedisTokenStore>[0]> = {}) => {
			const store = new RedisTokenStore({url: redisUrl!, prefix, encryptionKey: KEY, ...options});
			stores.push(store);
			return store;
		};

		before(async function () {
			requireRedis(this);
			raw = createClient({url: redisUrl});
			await raw.connect();
		});
		after(async () => {
			await Promise.all(stores.map(async store => store.close()));
			await raw?.close();
		});

		it('seals values with AES-256-GCM: Redis holds no plaintext, and another key or another store key opens nothing', async () => {
			const prefix = uniquePrefix('seal');
			const store = make(prefix);
			await store.set('token:{a}', '{"token":"tok-PLAIN-123"}', 10_000);
			const sealed = await raw.get(`${prefix}token:{a}`);
			assert.ok(sealed && !sealed.includes('tok-PLAIN-123'));
			assert.match(sealed, /^gaa1\.[\w-]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);
			assert.equal(await store.get('token:{a}'), '{"token":"tok-PLAIN-123"}');
			assert.equal(await make(prefix, {encryptionKey: OTHER}).get('token:{a}'), undefined);
			// A value moved to another key (another user's) does not open there.
			await raw.set(`${prefix}token:{b}`, sealed);
			assert.equal(await store.get('token:{b}'), undefined);
		});

		it('rotates keys: a store given [new, old] opens the old values and seals with the new key', async () => {
			const prefix = uniquePrefix('rotate');
			const old = make(prefix);
			await old.set('token:{a}', 'old-value', 10_000);
			const rotated = make(prefix, {encryptionKey: [OTHER, KEY]});
			assert.equal(await rotated.get('token:{a}'), 'old-value');
			await rotated.set('token:{b}', 'new-value', 10_000);
			assert.equal(await old.get('token:{b}'), undefined);
			assert.equal(await make(prefix, {encryptionKey: OTHER}).get('token:{b}'), 'new-value');
		});

		it('locks with SET NX PX: one holder, released only by its owner, free again after its expiry', async () => {
			const store = make(uniquePrefix('lock'));
			assert.equal(await store.lock('lock:{a}', 'one', 300), true);
			assert.equal(await store.lock('lock:{a}', 'two', 300), false);
			await store.unlock('lock:{a}', 'two');
			assert.equal(await store.lock('lock:{a}', 'two', 300), false, 'not released by another owner');
			await new Promise(resolve => setTimeout(resolve, 350));
			assert.equal(await store.lock('lock:{a}', 'two', 300), true, 'expired');
			await store.unlock('lock:{a}', 'two');
			assert.equal(await store.lock('lock:{a}', 'three', 300), true);
		});

		it('deletes only a value it still holds (compare-and-delete), and expires values after their ttl', async () => {
			const store = make(uniquePrefix('cad'));
			await store.set('token:{a}', 'first', 10_000);
			await store.deleteIf('token:{a}', 'other');
			assert.equal(await store.get('token:{a}'), 'first');
			await store.deleteIf('token:{a}', 'first');
			assert.equal(await store.get('token:{a}'), undefined);
			await store.set('token:{a}', 'short', 100);
			await new Promise(resolve => setTimeout(resolve, 200));
			assert.equal(await store.get('token:{a}'), undefined);
		});

		it('wakes a waiter in another connection by pub/sub, long before its timeout', async () => {
			const prefix = uniquePrefix('wake');
			const waiter = make(prefix);
			const notifier = make(prefix);
			// The first wait subscribes; give it a moment to be subscribed.
			await waiter.waitFor('ready:{a}', 200, new AbortController().signal);
			const started = Date.now();
			const waiting = waiter.waitFor('ready:{a}', 5000, new AbortController().signal);
			setTimeout(() => void notifier.notify('ready:{a}'), 100);
			await waiting;
			assert.ok(Date.now() - started < 2000, `woken after ${Date.now() - started} ms`);
		});

		it('ends a wait when its signal aborts', async () => {
			const store = make(uniquePrefix('abort'));
			const controller = new AbortController();
			const started = Date.now();
			setTimeout(() => controller.abort(), 50);
			await store.waitFor('ready:{a}', 5000, controller.signal);
			assert.ok(Date.now() - started < 1000);
		});

		it('uses a client given to it, and leaves it open on close()', async () => {
			const client = createClient({url: redisUrl});
			await client.connect();
			try {
				const store = new RedisTokenStore({client: client, prefix: uniquePrefix('client'), encryptionKey: KEY});
				await store.set('token:{a}', 'value', 10_000);
				assert.equal(await store.get('token:{a}'), 'value');
				await store.close();
				assert.equal(client.isOpen, true);
			} finally {
				await client.close();
			}
		});

		it('fails fast while Redis is away (no queued command), so that a request never waits for it', async () => {
			const store = new RedisTokenStore({url: 'redis://127.0.0.1:1', encryptionKey: KEY});
			try {
				const started = Date.now();
				await assert.rejects(Promise.race([store.get('token:{a}'), new Promise((_resolve, reject) => setTimeout(() => reject(new Error('still waiting')), 3000))]));
				assert.ok(Date.now() - started < 3000);
			} finally {
				await store.close();
			}
		});
	});
});
