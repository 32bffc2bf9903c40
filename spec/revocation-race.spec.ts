import assert from 'node:assert/strict';
import got from 'got';
import nock from 'nock';
import {ArcGISServerTokenAuth} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {FakeSite, useNock} from './helpers/fake-site.js';
import {withoutNock} from './helpers/local-site.js';
import {MemoryStore} from './helpers/memory-store.js';

const ORIGIN = 'https://gis.example.com';

// A revocation ends every token issued before it. A request whose token it ended is retried with
// a fresh one — but "fresh" may be a token obtained just before the same revocation, by another
// request of the process or by another process of the fleet: that retry is rejected too. The
// handler then retries once more with a token it obtains after the rejection (never a loop).
describe('a revocation that also ended the token a retry was given', () => {
	describe('in one process: the refresh of another request came just before the revocation', () => {
		useNock();

		it('retries once more with a token obtained after the rejection: the request succeeds, 3 token calls', async () => {
			// The slow request's first answer: held until after the revocation, then a 498.
			nock(ORIGIN)
				.post('/arcgis/rest/services/slow')
				.delay(600)
				.reply(200, {error: {code: 498, message: 'Invalid token.', details: []}});
			const site = new FakeSite(ORIGIN);
			// The first token is due for refresh 200 ms after it is obtained (half its lifetime).
			site.tokenReplies.push({body: {token: 'tok-short-xxxxxxxx', expires: Date.now() + 400, ssl: false}});
			site.valid.add('tok-short-xxxxxxxx');
			const auth = new ArcGISServerTokenAuth('alice', 'right-password');
			const slow = got(`${ORIGIN}/arcgis/rest/services/slow?f=json`, {hooks: auth.hooks}).json<{ok?: boolean}>();
			await new Promise(resolve => setTimeout(resolve, 300));
			// Another request refreshes the token, then the server revokes every token so far.
			assert.deepEqual(await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks}).json(), {ok: true});
			const refreshed = auth.token;
			site.valid.clear();
			assert.deepEqual(await slow, {ok: true});
			assert.equal(site.tokenCalls, 3);
			const retries = site.resourceCalls.filter(seen => seen.path.startsWith('/arcgis/rest/services/slow')).map(seen => seen.token);
			assert.deepEqual(retries, [refreshed, auth.token], 'retried with the refreshed token, then with one obtained after the rejection');
			assert.notEqual(auth.token, refreshed);
		});

		it('still hands a token rejected after a login begun after the rejection to the caller: one retry, no loop', async () => {
			const site = new FakeSite(ORIGIN);
			site.resource = () => ({status: 200, body: {error: {code: 498, message: 'Invalid token.', details: []}}});
			const auth = new ArcGISServerTokenAuth('alice', 'right-password');
			const body = await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks}).json<{error?: {code: number}}>();
			assert.equal(body.error?.code, 498);
			assert.equal(site.resourceCalls.length, 2);
			assert.equal(site.tokenCalls, 2);
		});
	});

	describe('in a fleet: the store held a token another process obtained just before the revocation', () => {
		withoutNock();
		const emu = useEmulator({users: {demo: 'demo1234'}}, {each: true});
		const services = () => `${emu.serverUrl}/rest/services?f=json`;

		it('takes it from the store, sees it rejected, and logs in itself: the request succeeds', async () => {
			const store = new MemoryStore();
			const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {store});
			await got(services(), {hooks: auth.hooks}).json();
			const first = auth.token!;
			// Another process of the fleet logs in (its token is newer) and stores its token...
			const other = emu.issueToken('demo', {referer: 'got-arcgis-auth'});
			const [key, entry] = [...store.values].find(([, {value}]) => value.includes(first))!;
			store.values.set(key, {...entry, value: entry.value.replace(first, other.token).replace(/"since":\d+/, `"since":${Date.now() - 5}`)});
			// ...and then every token is revoked: this process's and the one in the store.
			emu.revokeAllTokens();
			const before = emu.stats.counts['server.generateToken'] ?? 0;
			const body = await got(services(), {hooks: auth.hooks, retry: {limit: 0}}).json<{services?: unknown}>();
			assert.ok(body.services, `the request failed: ${JSON.stringify(body)}`);
			assert.equal((emu.stats.counts['server.generateToken'] ?? 0) - before, 1, 'one login of its own after the stored token was rejected');
			assert.notEqual(auth.token, other.token);
			assert.ok(!JSON.stringify([...store.values.values()]).includes(other.token), 'the rejected token is gone from the store');
		});
	});
});
