import assert from 'node:assert/strict';
import {inspect} from 'node:util';
import got from 'got';
import {ArcGISPortalTokenAuth, ArcGISServerTokenAuth, TokenAuthenticationError} from '../lib/index.js';
import {TokenSource} from '../lib/token/token-source.js';
import {FakeSite, useNock} from './helpers/fake-site.js';

const ORIGIN = 'https://gis.example.com';
const SERVICES = `${ORIGIN}/arcgis/rest/services?f=json`;
const WRONG = 'wr0ng-Passw0rd!';

describe('lockout-safe login failures', () => {
	useNock();

	it('makes one attempt for 20 concurrent requests with a wrong password, and rejects all 20 with INVALID_CREDENTIALS', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', WRONG);
		const results = await Promise.allSettled(Array.from({length: 20}, async () => got(SERVICES, {hooks: auth.hooks})));
		assert.equal(site.tokenCalls, 1);
		assert.equal(site.resourceCalls.length, 0);
		for (const result of results) {
			assert.equal(result.status, 'rejected');
			const error = result.reason as unknown;
			assert.ok(error instanceof TokenAuthenticationError, 'instanceof TokenAuthenticationError');
			assert.equal(error.code, 'INVALID_CREDENTIALS');
			assert.match(error.message, /Invalid username or password/);
			for (const text of [error.message, String(error.stack), inspect(error, {depth: 8}), JSON.stringify(error)]) {
				assert.ok(!text.includes(WRONG), 'password leaked');
			}
		}
	});

	it('hands the same failure to later requests without a new attempt, until reset()', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', WRONG);
		await assert.rejects(got(SERVICES, {hooks: auth.hooks}), {code: 'INVALID_CREDENTIALS'});
		await assert.rejects(got(SERVICES, {hooks: auth.hooks}), {code: 'INVALID_CREDENTIALS'});
		await assert.rejects(auth.getToken(SERVICES), {code: 'INVALID_CREDENTIALS'});
		assert.equal(site.tokenCalls, 1);
		auth.reset();
		await assert.rejects(got(SERVICES, {hooks: auth.hooks}), {code: 'INVALID_CREDENTIALS'});
		assert.equal(site.tokenCalls, 2, 'reset() allows exactly one new attempt');
	});

	it('tries again with new credentials from setCredentials()', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', WRONG);
		await assert.rejects(got(SERVICES, {hooks: auth.hooks}), {code: 'INVALID_CREDENTIALS'});
		auth.setCredentials('alice', 'right-password');
		assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
		assert.equal(site.tokenCalls, 2);
	});

	it('keeps other refusals the server judged too (e.g. a client-id error), as TOKEN_SERVICE_ERROR', async () => {
		const site = new FakeSite(ORIGIN);
		site.tokenReplies.push({body: {error: {code: 201, message: 'Exception in generating token', details: 'Client ID is required for long expiration tokens.'}}});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await assert.rejects(got(SERVICES, {hooks: auth.hooks}), (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'TOKEN_SERVICE_ERROR' && error.arcgisError?.code === 201);
		await assert.rejects(got(SERVICES, {hooks: auth.hooks}), {code: 'TOKEN_SERVICE_ERROR'});
		assert.equal(site.tokenCalls, 1);
	});

	it('does not take a transport failure for a bad password: the next request tries again', async () => {
		const site = new FakeSite(ORIGIN);
		site.tokenReplies.push({networkError: 'ECONNRESET'});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await assert.rejects(got(SERVICES, {hooks: auth.hooks}), (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'NETWORK_ERROR' && /socket hang up/.test(error.message));
		assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
		assert.equal(site.tokenCalls, 2);
	});

	for (const [name, reply] of [
		['HTML', {status: 200, body: '<html>Service Unavailable</html>'}],
		['HTTP 502 with HTML', {status: 502, body: '<html>Bad Gateway</html>'}],
		['an empty body', {status: 200, body: ''}],
		['{}', {status: 200, body: {}}],
		['a token without expires', {status: 200, body: {token: 'abc'}}],
		['a non-numeric expires', {status: 200, body: {token: 'abc', expires: 'tomorrow'}}],
		['an expires already past', {status: 200, body: {token: 'abc', expires: 1_000_000}}],
	] as const) {
		it(`fails clearly (TOKEN_SERVICE_ERROR) when generateToken answers ${name}, and the next request tries again`, async () => {
			const site = new FakeSite(ORIGIN);
			site.tokenReplies.push(reply);
			const auth = new ArcGISServerTokenAuth('alice', 'right-password');
			await assert.rejects(
				got(SERVICES, {hooks: auth.hooks}),
				(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'TOKEN_SERVICE_ERROR' && error.url === `${ORIGIN}/arcgis/tokens/generateToken`,
			);
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
			assert.equal(site.tokenCalls, 2);
		});
	}

	it('is lockout-safe for portal logins too', async () => {
		const site = new FakeSite(ORIGIN, {root: '/portal'});
		const auth = new ArcGISPortalTokenAuth('alice', WRONG);
		const results = await Promise.allSettled(Array.from({length: 5}, async () => got(`${ORIGIN}/portal/sharing/rest/portals/self?f=json`, {hooks: auth.hooks})));
		assert.ok(results.every(result => result.status === 'rejected' && (result.reason as TokenAuthenticationError).code === 'INVALID_CREDENTIALS'));
		assert.equal(site.tokenCalls, 1);
	});
});

describe('TokenSource', () => {
	const issued = (token: string) => ({token, expires: new Date(Date.now() + 60_000), expiresAt: Date.now() + 60_000, refreshAt: Date.now() + 30_000, ssl: false});

	it('drops a token only if it is still the current one', async () => {
		let count = 0;
		const source = new TokenSource<void>('spec', async () => Promise.resolve(issued(`t${++count}`)));
		const first = await source.get();
		source.invalidate(first.generation);
		const second = await source.get();
		assert.equal(second.token, 't2');
		source.invalidate(first.generation); // A late 498 for the old token.
		assert.equal(source.current?.token, 't2');
		assert.equal((await source.get()).token, 't2');
		assert.equal(count, 2);
	});

	it('does not store the late answer of a fetch started before reset()', async () => {
		let release: (() => void) | undefined;
		const source = new TokenSource<void>('spec', async () => {
			await new Promise<void>(resolve => {
				release = resolve;
			});
			return issued('stale');
		});
		const pending = source.get();
		await new Promise(resolve => setImmediate(resolve));
		source.reset();
		release?.();
		await pending;
		assert.equal(source.current, undefined);
	});
});
