import assert from 'node:assert/strict';
import got from 'got';
import nock from 'nock';
import {ArcGISServerTokenAuth, TokenAuthenticationError} from '../lib/index.js';
import {FakeSite, useNock} from './helpers/fake-site.js';
import {captureWarnings} from './helpers/warnings.js';

const ORIGIN = 'https://gis.example.com';

describe('ArcGISServerTokenAuth', () => {
	useNock();

	it('discovers the token service once and logs in once for 50 concurrent first requests', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const bodies = await Promise.all(Array.from({length: 50}, async (_, index) => got(`${ORIGIN}/arcgis/rest/services/s${index}/MapServer?f=json`, {hooks: auth.hooks}).json()));
		assert.equal(bodies.length, 50);
		assert.ok(bodies.every(body => (body as {ok?: boolean}).ok === true));
		assert.equal(site.infoCalls, 1);
		assert.equal(site.tokenCalls, 1);
		assert.equal(new Set(site.resourceCalls.map(seen => seen.token)).size, 1);
	});

	it('exposes token and expires like the Python original', async () => {
		new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		assert.equal(auth.token, undefined);
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assert.match(auth.token ?? '', /^tok-/);
		assert.ok(auth.expires instanceof Date && auth.expires.getTime() > Date.now());
	});

	it('gets admin tokens from {root}/admin/generateToken, and reads their string expires', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got.post(`${ORIGIN}/arcgis/admin/services/Maps/stop`, {hooks: auth.hooks, form: {f: 'json'}});
		assert.deepEqual(
			site.tokenRequests.map(request => request.path),
			['/arcgis/admin/generateToken'],
		);
		assert.equal(site.resourceCalls[0]?.tokenIn, 'body');
		assert.ok(auth.expires && auth.expires.getTime() > Date.now(), 'a string expires is read as milliseconds');
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assert.deepEqual(
			site.tokenRequests.map(request => request.path),
			['/arcgis/admin/generateToken', '/arcgis/tokens/generateToken'],
			'REST URLs use the advertised token service',
		);
	});

	for (const [name, root, first] of [
		['/<orgId>/arcgis', '/AbC123xyz/arcgis', '/AbC123xyz/arcgis/rest/services/Parcels/FeatureServer/0/query?where=1%3D1&f=json'],
		['/tiles/<id>/arcgis', '/tiles/0123abcd/arcgis', '/tiles/0123abcd/arcgis/rest/services/Base/MapServer?f=json'],
		['/server (custom web adaptor)', '/server', '/server/rest/services?f=json'],
	] as const) {
		it(`finds the site root ${name}`, async () => {
			const site = new FakeSite(ORIGIN, {root});
			const auth = new ArcGISServerTokenAuth('alice', 'right-password');
			await got(`${ORIGIN}${first}`, {hooks: auth.hooks});
			assert.equal(site.infoCalls, 1);
			assert.equal(site.tokenCalls, 1);
			assert.equal(auth.site?.root, `${ORIGIN}${root}`);
		});
	}

	it('posts to a trailing-slash tokenServicesUrl as given', async () => {
		const site = new FakeSite(ORIGIN, {tokenServicesUrl: `${ORIGIN}/arcgis/tokens/`});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assert.deepEqual(
			site.tokenRequests.map(request => request.path),
			['/arcgis/tokens/'],
		);
		assert.equal(site.resourceCalls[0]?.token, auth.token);
	});

	it('warns once and sends requests without a token when the site has no token security', async () => {
		const site = new FakeSite(ORIGIN, {tokenBased: false});
		site.resource = () => ({status: 200, body: {public: true}});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const warnings = await captureWarnings(async () => {
			await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
			await got(`${ORIGIN}/arcgis/rest/services/x?f=json`, {hooks: auth.hooks});
		});
		assert.equal(warnings.length, 1);
		assert.equal(warnings[0]?.name, 'TokenAuthenticationWarning');
		assert.equal((warnings[0] as {code?: string}).code, 'NO_TOKEN_SECURITY');
		assert.equal(site.tokenCalls, 0);
		assert.equal(site.infoCalls, 1);
		assert.ok(site.resourceCalls.every(seen => seen.token === undefined && seen.method === 'GET'));
	});

	it('reads the site again after reset(): a site that took no token and now takes one gets a token', async () => {
		const site = new FakeSite(ORIGIN, {tokenBased: false});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await captureWarnings(async () => {
			for (let index = 0; index < 3; index++) {
				await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
			}
		});
		assert.ok(site.resourceCalls.every(seen => seen.token === undefined));
		(site.options as {tokenBased: boolean}).tokenBased = true;
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assert.equal(site.resourceCalls.at(-1)?.token, undefined, 'without a reset the verdict stands');
		auth.reset();
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assert.equal(site.infoCalls, 2);
		assert.equal(site.tokenCalls, 1);
		assert.match(site.resourceCalls.at(-1)?.token ?? '', /^tok-/);
	});

	for (const [name, reply] of [
		['HTML', {status: 200, body: '<html><body>IIS</body></html>', headers: {'content-type': 'text/html'}}],
		['HTTP 500', {status: 500, body: 'Internal Server Error'}],
		['invalid JSON', {status: 200, body: '{"authInfo":'}],
		['JSON without authInfo', {status: 200, body: {currentVersion: 11.3}}],
	] as const) {
		it(`fails with DISCOVERY_FAILED when rest/info answers ${name}, and tries again on the next request`, async () => {
			const site = new FakeSite(ORIGIN);
			site.infoReply = () => reply;
			const auth = new ArcGISServerTokenAuth('alice', 'right-password');
			await assert.rejects(
				got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks}),
				(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'DISCOVERY_FAILED' && error.url === `${ORIGIN}/arcgis/rest/info?f=json`,
			);
			site.infoReply = undefined;
			await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
			assert.equal(site.infoCalls, 2);
			assert.equal(site.resourceCalls.length, 1);
		});
	}

	it('leaves requests to other origins untouched', async () => {
		const site = new FakeSite(ORIGIN);
		const other = nock('https://elsewhere.example')
			.get('/data')
			.query(true)
			.reply(200, function () {
				return {token: new URL(this.req.path, 'https://x').searchParams.get('token'), method: this.req.method};
			});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		const body = await got('https://elsewhere.example/data?f=json', {hooks: auth.hooks}).json();
		assert.deepEqual(body, {token: null, method: 'GET'});
		assert.ok(other.isDone());
		assert.equal(site.tokenCalls, 1);
	});

	it('leaves a request alone that carries its own token', async () => {
		const site = new FakeSite(ORIGIN);
		site.valid.add('callers-own');
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(`${ORIGIN}/arcgis/rest/services?f=json&token=callers-own`, {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 0);
		assert.equal(site.resourceCalls[0]?.token, 'callers-own');
	});

	it('refuses plain http to a remote host before any login (INSECURE_TRANSPORT), allows it with allowHttp', async () => {
		const site = new FakeSite('http://gis.example.com');
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await assert.rejects(
			got('http://gis.example.com/arcgis/rest/services?f=json', {hooks: auth.hooks}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INSECURE_TRANSPORT' && /allowHttp/.test(error.message),
		);
		assert.equal(site.tokenCalls, 0);
		const allowed = new ArcGISServerTokenAuth('alice', 'right-password', {allowHttp: true});
		await got('http://gis.example.com/arcgis/rest/services?f=json', {hooks: allowed.hooks});
		assert.equal(site.tokenCalls, 1);
		assert.ok(site.resourceCalls.at(-1)?.token);
	});

	it('allows plain http to loopback without allowHttp', async () => {
		const site = new FakeSite('http://localhost:6080');
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got('http://localhost:6080/arcgis/rest/services?f=json', {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 1);
	});

	it('refuses to send credentials to an http token service advertised by an https site', async () => {
		const site = new FakeSite(ORIGIN, {tokenServicesUrl: 'http://gis.example.com/arcgis/tokens/generateToken'});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await assert.rejects(got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks}), {code: 'INSECURE_TRANSPORT'});
		assert.equal(site.tokenCalls, 0);
	});

	it('never sends an ssl:true token over http, not even to loopback', async () => {
		const site = new FakeSite('http://127.0.0.1:6080');
		site.tokenReplies.push({body: {token: 'ssl-only', expires: Date.now() + 3_600_000, ssl: true}});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await assert.rejects(
			got('http://127.0.0.1:6080/arcgis/rest/services?f=json', {hooks: auth.hooks}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INSECURE_TRANSPORT' && /HTTPS-only/.test(error.message),
		);
		assert.equal(site.resourceCalls.length, 0);
	});

	it('getToken() obtains a token without a request', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const token = await auth.getToken(`${ORIGIN}/arcgis/rest/services`);
		assert.equal(token, auth.token);
		assert.equal(site.tokenCalls, 1);
	});

	it('sends the generateToken form: username, password, client=referer, referer, expiration, f=json — never in the URL', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {expiration: 90, referer: 'my-script'});
		await auth.getToken(`${ORIGIN}/arcgis/rest/services`);
		const [request] = site.tokenRequests;
		assert.ok(request);
		assert.equal(request.path, '/arcgis/tokens/generateToken');
		assert.deepEqual(Object.fromEntries(request.form), {username: 'alice', password: 'right-password', client: 'referer', referer: 'my-script', expiration: '90', f: 'json'});
	});

	it('sends client=requestip without a referer when asked', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {client: 'requestip'});
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assert.equal(site.tokenRequests[0]?.form.get('client'), 'requestip');
		assert.equal(site.tokenRequests[0]?.form.has('referer'), false);
		assert.equal(site.resourceCalls[0]?.referer, undefined);
	});
});
