import assert from 'node:assert/strict';
import {inspect} from 'node:util';
import got from 'got';
import {ArcGISAppAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {FakeOAuthPortal, PORTAL} from './helpers/fake-oauth-portal.js';
import {useNock} from './helpers/fake-site.js';

const SELF = `${PORTAL}/sharing/rest/portals/self?f=json`;
const SECRET = 'app-secret-0123456789';

const oauthError = (pattern: RegExp) => (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'OAUTH_ERROR' && pattern.test(error.message) && !error.message.includes(SECRET);

describe('ArcGISAppAuth (OAuth app credentials)', () => {
	useNock();

	it('gets an app token with grant_type=client_credentials, parses the text/plain answer, and puts the token on requests', async () => {
		const portal = new FakeOAuthPortal();
		const auth = new ArcGISAppAuth('demo-app', SECRET, {portal: PORTAL});
		const started = Date.now();
		const body = await got(SELF, {hooks: auth.hooks}).json<{id: string}>();
		assert.equal(body.id, 'org');
		assert.equal(portal.tokenCalls.length, 1);
		const form = portal.tokenCalls[0]!.form;
		assert.deepEqual(Object.fromEntries(form), {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET, f: 'json'});
		assert.deepEqual(portal.resourceTokens, ['app-token-1']);
		assert.equal(auth.token, 'app-token-1');
		// expires_in is in seconds.
		const expires = auth.expires!.getTime();
		assert.ok(expires >= started + 7_200_000 - 1000 && expires <= Date.now() + 7_200_000 + 1000, `expires ${auth.expires?.toISOString()}`);
	});

	it('asks for the expiration in minutes when the option is given', async () => {
		const portal = new FakeOAuthPortal();
		await got(SELF, {hooks: new ArcGISAppAuth('demo-app', SECRET, {expiration: 60}).hooks});
		assert.equal(portal.tokenCalls[0]!.form.get('expiration'), '60');
	});

	it('makes one token call for 50 concurrent first requests', async () => {
		const portal = new FakeOAuthPortal();
		const s = createSession({auth: new ArcGISAppAuth('demo-app', SECRET)});
		const bodies = await Promise.all(Array.from({length: 50}, async () => s.post(SELF.replace('?f=json', ''), {form: {f: 'json'}}).json<{id: string}>()));
		assert.ok(bodies.every(body => body.id === 'org'));
		assert.equal(portal.tokenCalls.length, 1);
	});

	it('a refused client id is OAUTH_ERROR: one attempt for 20 concurrent requests, kept for later ones until reset()', async () => {
		const portal = new FakeOAuthPortal();
		portal.answer = () => ({error: {code: 400, error: 'invalid_client_id', error_description: 'Invalid client_id', message: 'Invalid client_id', details: []}});
		const auth = new ArcGISAppAuth('no-such-app', SECRET);
		const s = createSession({auth});
		const results = await Promise.allSettled(Array.from({length: 20}, async () => s.get(SELF)));
		assert.ok(results.every(result => result.status === 'rejected' && oauthError(/Invalid client_id/)(result.reason)));
		assert.equal(portal.tokenCalls.length, 1);
		await assert.rejects(s.get(SELF), oauthError(/Invalid client_id/));
		assert.equal(portal.tokenCalls.length, 1, 'kept: no second attempt');
		portal.answer = undefined;
		auth.reset();
		await s.get(SELF);
		assert.equal(portal.tokenCalls.length, 2);
	});

	it('a refused secret is OAUTH_ERROR, and the secret is in no message, inspect or JSON even when the portal echoes it', async () => {
		new FakeOAuthPortal().answer = () => ({
			error: {code: 400, error: 'invalid_request', error_description: `Invalid client_secret ${SECRET}`, message: `Invalid client_secret ${SECRET}`, details: [`got ${SECRET}`]},
		});
		const auth = new ArcGISAppAuth('demo-app', SECRET);
		const error = await got(SELF, {hooks: auth.hooks}).catch((caught: unknown) => caught);
		assert.ok(oauthError(/Invalid client_secret/)(error), String(error));
		for (const view of [String(error), inspect(error, {depth: 5}), JSON.stringify(error), (error as Error).stack ?? '', inspect(auth), JSON.stringify(auth)]) {
			assert.ok(!view.includes(SECRET), view);
		}
	});

	it('reads an RFC 6749 flat error as OAUTH_ERROR too', async () => {
		new FakeOAuthPortal().answer = () => ({error: 'invalid_client', error_description: 'Client authentication failed'});
		await assert.rejects(got(SELF, {hooks: new ArcGISAppAuth('demo-app', SECRET).hooks}), oauthError(/Client authentication failed/));
	});

	it('an answer that is no token (HTML) is TOKEN_SERVICE_ERROR and not kept: the next request tries again', async () => {
		const portal = new FakeOAuthPortal();
		portal.answer = () => '<html>maintenance</html>';
		const s = createSession({auth: new ArcGISAppAuth('demo-app', SECRET)});
		await assert.rejects(s.get(SELF), (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'TOKEN_SERVICE_ERROR');
		portal.answer = undefined;
		await s.get(SELF);
		assert.equal(portal.tokenCalls.length, 2);
	});

	it('an answer without expires_in (seconds) is refused, not taken for a token that never expires', async () => {
		new FakeOAuthPortal().answer = () => ({access_token: 'app-token-x'});
		await assert.rejects(
			got(SELF, {hooks: new ArcGISAppAuth('demo-app', SECRET).hooks}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'TOKEN_SERVICE_ERROR' && /expires_in/.test(error.message),
		);
	});

	it('a token the portal rejects (498) is replaced once and the request sent again', async () => {
		const portal = new FakeOAuthPortal();
		const auth = new ArcGISAppAuth('demo-app', SECRET);
		const s = createSession({auth});
		await s.get(SELF);
		portal.valid.clear();
		assert.equal((await s.get(SELF).json<{id: string}>()).id, 'org');
		assert.equal(portal.tokenCalls.length, 2);
		assert.deepEqual(portal.resourceTokens, ['app-token-1', 'app-token-1', 'app-token-2']);
	});

	it('renews the app token by the clock before it expires', async () => {
		const portal = new FakeOAuthPortal();
		portal.lifetimeSeconds = 1;
		const s = createSession({auth: new ArcGISAppAuth('demo-app', SECRET)});
		await s.get(SELF);
		await new Promise(resolve => setTimeout(resolve, 600));
		await s.get(SELF);
		assert.equal(portal.tokenCalls.length, 2, 'half the lifetime passed: a new token');
		assert.deepEqual(portal.resourceTokens, ['app-token-1', 'app-token-2']);
	});

	it('never sends the secret over plain http to a host that is not loopback', async () => {
		const portal = new FakeOAuthPortal('http://gis.example.com');
		const auth = new ArcGISAppAuth('demo-app', SECRET, {portal: 'http://gis.example.com/portal'});
		await assert.rejects(
			got('http://gis.example.com/portal/sharing/rest/portals/self?f=json', {hooks: auth.hooks}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INSECURE_TRANSPORT',
		);
		assert.equal(portal.tokenCalls.length, 0);
	});

	it('option portal: bound before the first request (also after reset()), given with or without /sharing/rest', () => {
		const auth = new ArcGISAppAuth('demo-app', SECRET, {portal: 'https://gis.example.com/portal/sharing/rest/'});
		assert.equal(auth.site?.root, 'https://gis.example.com/portal');
		auth.reset();
		assert.equal(auth.site?.root, 'https://gis.example.com/portal');
		assert.equal(new ArcGISAppAuth('demo-app', SECRET).site, undefined, 'without it, the first request binds the portal');
	});

	it('refuses unusable arguments with INVALID_OPTION, without echoing them', () => {
		const invalid = (pattern: RegExp) => (error: unknown) =>
			error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION' && pattern.test(error.message) && !error.message.includes(SECRET);
		assert.throws(() => new ArcGISAppAuth('', SECRET), invalid(/client id/));
		assert.throws(() => new ArcGISAppAuth('demo-app', ''), invalid(/client secret/));
		assert.throws(() => new ArcGISAppAuth(SECRET, undefined as unknown as string), invalid(/client secret/));
		assert.throws(() => new ArcGISAppAuth('demo-app', SECRET, {portal: 'ftp://example.com'}), invalid(/option portal/));
		assert.throws(() => new ArcGISAppAuth('demo-app', SECRET, {portal: 'https://www.arcgis.com/?x=1'}), invalid(/option portal/));
	});
});
