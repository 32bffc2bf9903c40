import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {createClient} from 'redis';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';
import {OwnRedis, redisUrl, requireRedis, uniquePrefix} from './helpers/redis.js';

const CHILD = fileURLToPath(new URL('fixtures/fleet-child.ts', import.meta.url));
const KEY = 'fleet-spec-key-0123456789abcdef-0123456789';

type Result = {ok: number; failed: number; codes: string[]; firstMs: number; warnings: number; tokens: string[]};
type ChildConfig = {redisUrl: string; prefix: string; password?: string; requests?: number; gapMs?: number; timing?: Record<string, number>; hangWithLock?: boolean};

/** One child process of the fleet: `warm` resolves after its first request, `done` with its result. */
class Child {
	readonly process: ChildProcess;
	readonly warm: Promise<void>;
	/** Resolves when the child says it holds the login lock (hangWithLock). */
	readonly locked: Promise<void>;
	readonly done: Promise<Result>;

	constructor(servicesUrl: string, config: ChildConfig) {
		const env = {...process.env, FLEET_CHILD: JSON.stringify({servicesUrl, username: 'demo', password: 'demo1234', requests: 1, gapMs: 20, timing: {}, encryptionKey: KEY, ...config})};
		this.process = spawn(process.execPath, ['--import', 'tsx', CHILD], {env, stdio: ['pipe', 'pipe', 'pipe']});
		let out = '';
		let err = '';
		let warmed: () => void;
		let locked: () => void;
		this.warm = new Promise(resolve => {
			warmed = resolve;
		});
		this.locked = new Promise(resolve => {
			locked = resolve;
		});
		this.process.stdout!.on('data', (chunk: Buffer) => {
			out += chunk.toString();
			if (out.includes('warm\n')) {
				warmed();
			}

			if (out.includes('locked\n')) {
				locked();
			}
		});
		this.process.stderr!.on('data', (chunk: Buffer) => {
			err += chunk.toString();
		});
		this.done = new Promise((resolve, reject) => {
			this.process.once('exit', (code, signal) => {
				const last = out.trim().split('\n').at(-1) ?? '';
				if (code === 0 && last.startsWith('{')) {
					resolve(JSON.parse(last) as Result);
				} else {
					reject(new Error(`child exited with ${code ?? signal}: ${err.slice(-2000)}`));
				}
			});
		});
		// A failed child must not leave `warm` waiting for ever.
		this.done.catch(() => {
			warmed();
			locked();
		});
	}

	stop(): void {
		this.process.stdin!.end('stop\n');
	}
}

async function redisKeys(url: string, prefix: string): Promise<Map<string, string>> {
	const client = createClient({url});
	await client.connect();
	try {
		const found = new Map<string, string>();
		for await (const keys of client.scanIterator({MATCH: `${prefix}*`, COUNT: 100})) {
			for (const key of keys) {
				found.set(key, (await client.get(key)) ?? '');
			}
		}

		return found;
	} finally {
		await client.close();
	}
}

describe('RedisTokenStore: a fleet of child processes against the emulator and a real Redis', function () {
	this.timeout(90_000);
	withoutNock();
	const emu = useEmulator({}, {each: true});
	const services = () => `${emu.serverUrl}/rest/services?f=json`;
	const children: Child[] = [];
	const fleet = (count: number, config: ChildConfig) => {
		const made = Array.from({length: count}, () => new Child(services(), config));
		children.push(...made);
		return made;
	};

	/** Stops every child, and returns their results once no request of any failed (the codes of those that did, in the message). */
	const stopAll = async (running: ReturnType<typeof fleet>) => {
		for (const child of running) {
			child.stop();
		}

		const results = await Promise.all(running.map(async child => child.done));
		assert.equal(
			results.reduce((sum, result) => sum + result.failed, 0),
			0,
			JSON.stringify(results.map(result => result.codes)),
		);
		return results;
	};

	before(function () {
		requireRedis(this);
	});
	afterEach(() => {
		for (const child of children.splice(0)) {
			if (child.process.exitCode === null && child.process.signalCode === null) {
				child.process.kill('SIGKILL');
			}
		}
	});

	it('8 cold processes: exactly one generateToken, every request served, and no key or value holds the token or the password in the clear', async () => {
		const prefix = uniquePrefix('cold');
		const results = await Promise.all(fleet(8, {redisUrl: redisUrl!, prefix, requests: 3}).map(async child => child.done));
		assert.deepEqual(
			results.map(result => [result.ok, result.failed]),
			Array.from({length: 8}, () => [3, 0]),
		);
		assert.equal(emu.stats.counts['server.generateToken'], 1);
		const tokens = new Set(results.flatMap(result => result.tokens));
		assert.equal(tokens.size, 1);
		const stored = await redisKeys(redisUrl!, prefix);
		assert.ok(stored.size >= 1, 'the token is in Redis');
		for (const [key, value] of stored) {
			for (const secret of [...tokens, 'demo1234', 'demo']) {
				assert.ok(!key.includes(secret) && !value.includes(secret), `${key} holds a secret in the clear`);
			}
		}
	});

	it('revocation mid-run: no request fails, and the fleet makes at most 2 token calls for it', async () => {
		const prefix = uniquePrefix('revoke');
		const running = fleet(8, {redisUrl: redisUrl!, prefix, requests: 0, gapMs: 50});
		await Promise.all(running.map(async child => child.warm));
		assert.equal(emu.stats.counts['server.generateToken'], 1);
		emu.revokeAllTokens();
		await new Promise(resolve => setTimeout(resolve, 1500));
		const results = await stopAll(running);
		assert.ok(results.every(result => result.ok >= 2));
		const calls = emu.stats.counts['server.generateToken'] - 1;
		assert.ok(calls >= 1 && calls <= 2, `${calls} token calls after the revocation`);
	});

	it('8 processes with a wrong password make one attempt; then a process with the right password succeeds at once', async () => {
		const prefix = uniquePrefix('wrong');
		const results = await Promise.all(fleet(8, {redisUrl: redisUrl!, prefix, password: 'Wr0ng-Passw0rd-77'}).map(async child => child.done));
		assert.deepEqual(
			results.map(result => result.codes),
			Array.from({length: 8}, () => ['INVALID_CREDENTIALS']),
		);
		assert.equal(emu.stats.failedLogins, 1);
		const [right] = fleet(1, {redisUrl: redisUrl!, prefix});
		const result = await right!.done;
		assert.equal(result.ok, 1);
		assert.ok(result.firstMs < 3000, `the right password waited ${result.firstMs} ms`);
		assert.equal(emu.stats.counts['server.generateToken'], 2);
		const stored = await redisKeys(redisUrl!, prefix);
		assert.ok(
			[...stored.keys()].some(key => key.startsWith(`${prefix}failure:`)),
			'the refusal is kept in Redis',
		);
		assert.ok(
			[...stored.values()].every(value => !value.includes('Wr0ng-Passw0rd-77') && !value.includes('Invalid username')),
			'the refusal is sealed',
		);
	});

	it('the lock holder killed mid-login: the others succeed once its lock expires', async () => {
		const prefix = uniquePrefix('killed');
		const timing = {lockTtl: 6000, pollInterval: 100, operationTimeout: 10_000};
		// The holder takes the lock and is killed before it logs in (its store call never returns).
		const [holder] = fleet(1, {redisUrl: redisUrl!, prefix, timing, hangWithLock: true});
		await holder!.locked;
		const killedAt = Date.now();
		holder!.process.kill('SIGKILL');
		assert.ok(
			[...(await redisKeys(redisUrl!, prefix)).keys()].some(key => key.startsWith(`${prefix}lock:`)),
			'the dead holder left its lock',
		);
		const others = fleet(4, {redisUrl: redisUrl!, prefix, timing});
		const results = await Promise.all(others.map(async child => child.done));
		assert.deepEqual(
			results.map(result => result.ok),
			[1, 1, 1, 1],
		);
		assert.ok(Date.now() - killedAt >= 5000, 'they waited for the lock to expire');
		assert.equal(emu.stats.counts['server.generateToken'], 1);
		assert.equal(new Set(results.flatMap(result => result.tokens)).size, 1);
	});

	it('Redis stopped and restarted mid-run: no request fails, and the store is used again', async () => {
		const redis = await OwnRedis.start();
		try {
			const prefix = uniquePrefix('restart');
			const timing = {operationTimeout: 300, retryAfter: 200, pollInterval: 100};
			const running = fleet(4, {redisUrl: redis.url, prefix, requests: 0, gapMs: 50, timing});
			await Promise.all(running.map(async child => child.warm));
			assert.equal(emu.stats.counts['server.generateToken'], 1);
			await redis.stop();
			// Logins while Redis is away: each process on its own.
			emu.revokeAllTokens();
			await new Promise(resolve => setTimeout(resolve, 1000));
			await redis.start();
			await new Promise(resolve => setTimeout(resolve, 1500));
			const beforeSecond = emu.stats.counts['server.generateToken'];
			// Back: one login for the fleet again.
			emu.revokeAllTokens();
			await new Promise(resolve => setTimeout(resolve, 1500));
			const results = await stopAll(running);
			assert.ok(
				results.every(result => result.warnings >= 1 && result.warnings <= 2),
				JSON.stringify(results.map(result => result.warnings)),
			);
			assert.equal(emu.stats.counts['server.generateToken'] - beforeSecond, 1, 'one login for the fleet once Redis is back');
			assert.ok([...(await redisKeys(redis.url, prefix)).keys()].some(key => key.startsWith(`${prefix}token:`)));
		} finally {
			await redis.remove();
		}
	});
});
