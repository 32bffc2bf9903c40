import assert from 'node:assert/strict';
import got from 'got';
import {ArcGISAppAuth, ArcGISPortalTokenAuth, ArcGISServerTokenAuth, TokenAuthenticationError, WARNING_NAME, type TokenStore} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';
import {MemoryStore} from './helpers/memory-store.js';
import {captureWarnings} from './helpers/warnings.js';

const WRONG = 'Wr0ng-Passw0rd-77';

// Handlers that share one store stand for processes that share a Redis: each has its own token
// sources and single flight, so only the store can make them log in once.
describe('option store: a fleet sharing tokens (in one process, a store in memory)', () => {
	withoutNock();
	const emu = useEmulator({users: {demo: 'demo1234', bob: 'bob-pass-1'}}, {each: true});
	const services = () => `${emu.serverUrl}/rest/services?f=json`;
	const fetchWith = async (auth: {hooks: ArcGISServerTokenAuth['hooks']}) => got(services(), {hooks: auth.hooks, retry: {limit: 0}}).json<{services?: unknown[]}>();

	it('makes 8 handlers with the same credentials log in once, and none of the store keys names the user or the password', async () => {
		const store = new MemoryStore();
		const fleet = Array.from({length: 8}, () => new ArcGISServerTokenAuth('demo', 'demo1234', {store}));
		const bodies = await Promise.all(fleet.flatMap(auth => [fetchWith(auth), fetchWith(auth)]));
		assert.equal(bodies.length, 16);
		assert.ok(bodies.every(body => Array.isArray(body.services)));
		assert.equal(emu.stats.counts['server.generateToken'], 1);
		assert.equal(new Set(fleet.map(auth => auth.token)).size, 1);
		assert.equal(store.keys('token').length, 1);
		assert.deepEqual(store.keys('lock'), [], 'the lock is released');
		for (const key of store.values.keys()) {
			assert.ok(!/demo/i.test(key), `key ${key} names the user or password`);
		}
	});

	it('does not touch the store on the warm path: 50 requests with a fresh token make no store call', async () => {
		const store = new MemoryStore();
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {store});
		await fetchWith(auth);
		const before = store.calls.length;
		for (let index = 0; index < 50; index++) {
			await fetchWith(auth);
		}

		assert.equal(store.calls.length, before);
	});

	it('keeps tokens of different users, referers and sites apart', async () => {
		const store = new MemoryStore();
		const handlers = [
			new ArcGISServerTokenAuth('demo', 'demo1234', {store}),
			new ArcGISServerTokenAuth('bob', 'bob-pass-1', {store}),
			new ArcGISServerTokenAuth('demo', 'demo1234', {store, referer: 'another-app'}),
			new ArcGISPortalTokenAuth('demo', 'demo1234', {store}),
		];
		await Promise.all(handlers.slice(0, 3).map(fetchWith));
		await got(`${emu.portalUrl}/sharing/rest/portals/self?f=json`, {hooks: handlers[3]!.hooks}).json();
		assert.equal(emu.stats.tokenCalls, 4);
		assert.equal(new Set(handlers.map(auth => auth.token)).size, 4);
		assert.equal(store.keys('token').length, 4);
	});

	it('shares a federated server token per server among portal handlers', async () => {
		const store = new MemoryStore();
		const fleet = Array.from({length: 4}, () => new ArcGISPortalTokenAuth('demo', 'demo1234', {store}));
		const hosting = `${emu.url}/hosting/rest/services?f=json`;
		await Promise.all(fleet.map(async auth => got(hosting, {hooks: auth.hooks}).json()));
		// One portal token and one server token for the whole fleet.
		assert.equal(emu.stats.tokenCalls, 2);
		assert.equal(new Set(await Promise.all(fleet.map(async auth => auth.getToken(hosting)))).size, 1);
	});

	it('shares app tokens (client credentials) and keys them without the client secret', async () => {
		const store = new MemoryStore();
		const fleet = Array.from({length: 3}, () => new ArcGISAppAuth('demo-app', 'demo-app-secret-1', {store, portal: emu.portalUrl}));
		await Promise.all(fleet.map(async auth => got(`${emu.portalUrl}/sharing/rest/portals/self?f=json`, {hooks: auth.hooks}).json()));
		assert.equal(emu.stats.counts['oauth.token'] ?? emu.stats.tokenCalls, 1);
		assert.equal(new Set(fleet.map(auth => auth.token)).size, 1);
		assert.ok([...store.values.keys()].every(key => !key.includes('demo-app')));
	});

	it('makes one attempt for 8 handlers with the same wrong password; a handler with the right password succeeds at once', async () => {
		const store = new MemoryStore();
		const wrong = Array.from({length: 8}, () => new ArcGISServerTokenAuth('demo', WRONG, {store}));
		const results = await Promise.allSettled(wrong.map(fetchWith));
		assert.equal(emu.stats.failedLogins, 1);
		for (const result of results) {
			assert.equal(result.status, 'rejected');
			assert.ok(result.reason instanceof TokenAuthenticationError);
			assert.equal(result.reason.code, 'INVALID_CREDENTIALS');
			assert.ok(!result.reason.message.includes(WRONG));
		}

		// A later process with the same wrong password makes no attempt either.
		await assert.rejects(fetchWith(new ArcGISServerTokenAuth('demo', WRONG, {store})), {code: 'INVALID_CREDENTIALS'});
		assert.equal(emu.stats.failedLogins, 1);
		const right = new ArcGISServerTokenAuth('demo', 'demo1234', {store});
		assert.ok(Array.isArray((await fetchWith(right)).services));
		assert.equal(emu.stats.counts['server.generateToken'], 2);
		for (const {value} of store.values.values()) {
			assert.ok(!value.includes(WRONG) && !value.includes('demo1234'), 'a password in the store');
		}
	});

	it('gives a handler with a wrong password no token that the right password obtained', async () => {
		const store = new MemoryStore();
		await fetchWith(new ArcGISServerTokenAuth('demo', 'demo1234', {store}));
		await assert.rejects(fetchWith(new ArcGISServerTokenAuth('demo', WRONG, {store})), {code: 'INVALID_CREDENTIALS'});
		assert.equal(emu.stats.failedLogins, 1);
	});

	it('refreshes once for the whole fleet when the site revokes the token (498), with no failed request', async () => {
		const store = new MemoryStore();
		const fleet = Array.from({length: 6}, () => new ArcGISServerTokenAuth('demo', 'demo1234', {store}));
		await Promise.all(fleet.map(fetchWith));
		assert.equal(emu.stats.tokenCalls, 1);
		emu.revokeAllTokens();
		const bodies = await Promise.all(fleet.map(fetchWith));
		assert.ok(bodies.every(body => Array.isArray(body.services)));
		assert.equal(emu.stats.tokenCalls, 2);
		assert.equal(new Set(fleet.map(auth => auth.token)).size, 1);
	});

	it('keeps the refresh schedule fleet-wide: a 4-second token costs one login per half lifetime for the fleet', async function () {
		this.timeout(20_000);
		emu.setOptions({tokenLifetimeSeconds: 4});
		const store = new MemoryStore();
		const fleet = Array.from({length: 4}, () => new ArcGISServerTokenAuth('demo', 'demo1234', {store}));
		const end = Date.now() + 5000;
		while (Date.now() < end) {
			await Promise.all(fleet.map(fetchWith));
			await new Promise(resolve => setTimeout(resolve, 100));
		}

		// 5 s at one login per 2 s (half of 4 s): the first and at most two refreshes, not one per handler.
		const calls = emu.stats.counts['server.generateToken'] ?? 0;
		assert.ok(calls >= 2 && calls <= 3, `${calls} token calls`);
	});

	it('goes on without a store that fails, warns once without secrets, and uses the store again when it is back', async () => {
		const store = new MemoryStore({retryAfter: 1});
		store.failing = true;
		const fleet = Array.from({length: 3}, () => new ArcGISServerTokenAuth('demo', 'demo1234', {store}));
		const warnings = await captureWarnings(async () => {
			await Promise.all(fleet.map(fetchWith));
		});
		assert.equal(emu.stats.tokenCalls, 3, 'each logs in on its own');
		const ours = warnings.filter(warning => warning.name === WARNING_NAME);
		assert.equal(ours.length, 1);
		assert.equal((ours[0] as Error & {code?: string}).code, 'STORE_UNAVAILABLE');
		assert.ok(!/hunter2|demo1234|ECONNREFUSED 127/.test(ours[0]!.message), ours[0]!.message);

		store.failing = false;
		await new Promise(resolve => setTimeout(resolve, 5));
		const later = [new ArcGISServerTokenAuth('demo', 'demo1234', {store}), new ArcGISServerTokenAuth('demo', 'demo1234', {store})];
		await Promise.all(later.map(fetchWith));
		assert.equal(emu.stats.tokenCalls, 4, 'one login for the two, through the store again');
		assert.equal(store.keys('token').length, 1);
	});

	it('does not wait for a store that never answers longer than its operationTimeout', async () => {
		const store = new MemoryStore({operationTimeout: 200});
		store.hanging = true;
		const started = Date.now();
		const warnings = await captureWarnings(async () => {
			assert.ok(Array.isArray((await fetchWith(new ArcGISServerTokenAuth('demo', 'demo1234', {store}))).services));
		});
		assert.ok(Date.now() - started < 2000, `${Date.now() - started} ms`);
		assert.equal(warnings.filter(warning => warning.name === WARNING_NAME).length, 1);
	});

	it('takes over a lock whose holder vanished once it expires', async () => {
		const store = new MemoryStore({lockTtl: 600, pollInterval: 50});
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {store});
		// A holder that died mid-login: its lock stays until its expiry, and nobody notifies.
		await fetchWith(new ArcGISServerTokenAuth('demo', 'demo1234', {store}));
		const [tokenKey] = store.keys('token');
		store.values.delete(tokenKey!);
		store.values.set(tokenKey!.replace(/^token:/, 'lock:'), {value: 'dead-holder', until: Date.now() + 600});
		const started = Date.now();
		assert.ok(Array.isArray((await fetchWith(auth)).services));
		const waited = Date.now() - started;
		assert.ok(waited >= 500, `took over after ${waited} ms, before the lock expired`);
		assert.equal(emu.stats.tokenCalls, 2);
	});

	it('lets a waiting request give up on its own timeout while another process holds the lock', async () => {
		const store = new MemoryStore({lockTtl: 5000, pollInterval: 50});
		await fetchWith(new ArcGISServerTokenAuth('demo', 'demo1234', {store}));
		const [tokenKey] = store.keys('token');
		store.values.delete(tokenKey!);
		store.values.set(tokenKey!.replace(/^token:/, 'lock:'), {value: 'slow-holder', until: Date.now() + 5000});
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {store});
		const started = Date.now();
		await assert.rejects(got(services(), {hooks: auth.hooks, retry: {limit: 0}, timeout: {request: 300}}), {code: 'NETWORK_ERROR'});
		assert.ok(Date.now() - started < 1500);
	});

	it('rejects an option store that is not a TokenStore, by name', () => {
		assert.throws(
			() => new ArcGISServerTokenAuth('demo', 'demo1234', {store: {get() {}} as unknown as TokenStore}),
			(error: unknown) => {
				assert.ok(error instanceof TokenAuthenticationError);
				assert.equal(error.code, 'INVALID_OPTION');
				assert.match(error.message, /option store must be a TokenStore.*set, deleteIf/);
				return true;
			},
		);
	});
});
