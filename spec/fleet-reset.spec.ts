import assert from 'node:assert/strict';
import got from 'got';
import {ArcGISPortalSAMLAuth, ArcGISServerTokenAuth, TokenAuthenticationError, WARNING_NAME, createSession, type TokenStore} from '../lib/index.js';
import {RedisTokenStore} from '../lib/redis/index.js';
import {useEmulator} from './helpers/emulator.js';
import {FakeSamlSite, SAML_USER} from './helpers/fake-saml-site.js';
import {withoutNock} from './helpers/local-site.js';
import {MemoryStore} from './helpers/memory-store.js';
import {redisUrl, requireRedis, uniquePrefix} from './helpers/redis.js';
import {captureWarnings} from './helpers/warnings.js';

/** The password the server does not know yet (then does: it was changed there), and another wrong one. */
const NEW = 'Changed-Passw0rd-1';
const OTHER = 'Other-Wr0ng-Passw0rd';

/** A store whose deletes take a while, as a remote one's can: a request right after reset() must wait for them. */
class SlowDeletes extends MemoryStore {
	override async deleteIf(key: string, expected: string): Promise<void> {
		await new Promise(resolve => setTimeout(resolve, 150));
		await super.deleteIf(key, expected);
	}
}

const refusedForTheFleet = (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INVALID_CREDENTIALS' && /Refused for a process sharing the token store/.test(error.message);

// A refused login is kept in the store for failureTtl (15 minutes): without this, a handler's
// reset() forgot its own refusal and read the fleet's straight back, so reset() seemed broken.
describe('reset() with option store: it forgets the refusal the fleet keeps for this password', () => {
	withoutNock();
	const emu = useEmulator({users: {demo: 'demo1234'}}, {each: true});
	const fetchWith = async (auth: ArcGISServerTokenAuth) => got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks, retry: {limit: 0}}).json<{services?: unknown[]}>();

	/** Handler A refused, the server then taking A's password, reset(): one real attempt, another password's refusal kept. */
	async function resetAfterRefusal(store: TokenStore, failures: () => number | Promise<number>): Promise<void> {
		const refusedA = new ArcGISServerTokenAuth('demo', NEW, {store});
		await assert.rejects(fetchWith(refusedA), {code: 'INVALID_CREDENTIALS'});
		await assert.rejects(fetchWith(new ArcGISServerTokenAuth('demo', OTHER, {store})), {code: 'INVALID_CREDENTIALS'});
		assert.equal(emu.stats.failedLogins, 2);
		assert.equal(await failures(), 2, 'both refusals kept for the fleet');
		emu.setOptions({users: {demo: NEW}});
		await assert.rejects(fetchWith(new ArcGISServerTokenAuth('demo', NEW, {store})), refusedForTheFleet, 'the fleet still holds the refusal: a new process makes no attempt');
		await assert.rejects(fetchWith(refusedA), {code: 'INVALID_CREDENTIALS'}, 'nor does the refused handler before reset()');
		const calls = emu.stats.tokenCalls;
		refusedA.reset();
		assert.ok(Array.isArray((await fetchWith(refusedA)).services));
		assert.equal(emu.stats.tokenCalls, calls + 1, 'exactly one token call');
		assert.equal(await failures(), 1, "another password's refusal stays");
		await assert.rejects(fetchWith(new ArcGISServerTokenAuth('demo', OTHER, {store})), refusedForTheFleet);
		assert.equal(emu.stats.failedLogins, 2, 'the other wrong password makes no attempt');
	}

	it('deletes that refusal only: the next request makes one attempt, and a handler with another wrong password is still refused', async () => {
		const store = new SlowDeletes();
		await resetAfterRefusal(store, () => store.keys('failure').length);
	});

	it('warns once and goes on when the store fails to forget: the next request logs in as without a store', async () => {
		const store = new MemoryStore({retryAfter: 60_000});
		const auth = new ArcGISServerTokenAuth('demo', NEW, {store});
		await assert.rejects(fetchWith(auth), {code: 'INVALID_CREDENTIALS'});
		emu.setOptions({users: {demo: NEW}});
		store.failing = true;
		const warnings = await captureWarnings(async () => {
			auth.reset();
			assert.ok(Array.isArray((await fetchWith(auth)).services));
		});
		const ours = warnings.filter(warning => warning.name === WARNING_NAME);
		assert.deepEqual(
			ours.map(warning => (warning as Error & {code?: string}).code),
			['STORE_UNAVAILABLE'],
		);
		assert.ok(!ours[0]!.message.includes(NEW));
	});

	it('lets an ArcGISPortalSAMLAuth refused at the identity provider try once more after reset()', async function () {
		this.timeout(20_000);
		const site = await new FakeSamlSite().start();
		try {
			const store = new MemoryStore();
			const auth = new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl, username: SAML_USER, password: NEW, store});
			const self = async () => createSession({auth}).get(`${site.portalUrl}/sharing/rest/community/self?f=json`).json<{username?: string}>();
			await assert.rejects(self(), {code: 'SAML_LOGIN_FAILED'});
			assert.equal(store.keys('failure').length, 1);
			site.password = NEW;
			auth.reset();
			assert.equal((await self()).username, SAML_USER);
			assert.equal(site.counts.formPosts, 2, 'one more attempt at the identity provider');
			assert.deepEqual(store.keys('failure'), []);
		} finally {
			await site.stop();
		}
	});

	describe('against a real Redis', () => {
		const stores: RedisTokenStore[] = [];
		before(function () {
			requireRedis(this);
		});
		after(async () => {
			await Promise.all(stores.map(async store => store.close()));
		});

		it('deletes that refusal only, through RedisTokenStore', async function () {
			this.timeout(20_000);
			const prefix = uniquePrefix('reset');
			const store = new RedisTokenStore({url: redisUrl!, prefix, encryptionKey: 'fleet-reset-spec-key-0123456789abcd'});
			stores.push(store);
			const {createClient} = await import('redis');
			const raw = createClient({url: redisUrl});
			await raw.connect();
			try {
				await resetAfterRefusal(store, async () => (await raw.keys(`${prefix}failure:*`)).length);
			} finally {
				await raw.close();
			}
		});
	});
});
