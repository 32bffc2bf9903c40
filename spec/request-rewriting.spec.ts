import assert from 'node:assert/strict';
import got from 'got';
import {ArcGISServerTokenAuth} from '../lib/index.js';
import {FakeSite, useNock, type Seen} from './helpers/fake-site.js';

const ORIGIN = 'https://gis.example.com';

function lastCall(site: FakeSite): Seen {
	const seen = site.resourceCalls.at(-1);
	assert.ok(seen, 'a request reached the site');
	return seen;
}

describe('force POST and token placement', () => {
	useNock();

	it('sends a GET as a POST: query moved into a form body, URL without parameters, content-length byte-exact', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(`${ORIGIN}/arcgis/rest/services/P/FeatureServer/0/query`, {hooks: auth.hooks, searchParams: {where: "city='Zürich' AND name LIKE '%東京%'", outFields: '*', f: 'json'}});
		const seen = lastCall(site);
		assert.equal(seen.method, 'POST');
		assert.equal(seen.path, '/arcgis/rest/services/P/FeatureServer/0/query');
		assert.equal(seen.headers['content-type'], 'application/x-www-form-urlencoded');
		assert.equal(seen.headers['content-length'], String(Buffer.byteLength(seen.body)));
		const form = new URLSearchParams(seen.body);
		assert.equal(form.get('where'), "city='Zürich' AND name LIKE '%東京%'");
		assert.equal(form.get('outFields'), '*');
		assert.equal(form.get('token'), auth.token);
		assert.equal(seen.tokenIn, 'body');
		assert.equal(seen.referer, 'got-arcgis-auth');
	});

	it("appends the token to a caller's raw form body with non-ASCII bytes and recomputes content-length", async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const raw = 'f=json&features=[{"attributes":{"name":"Zürich – 東京"}}]';
		await got.post(`${ORIGIN}/arcgis/rest/services/P/FeatureServer/0/addFeatures`, {hooks: auth.hooks, body: raw, headers: {'content-type': 'application/x-www-form-urlencoded; charset=utf-8'}});
		const seen = lastCall(site);
		assert.equal(seen.body, `${raw}&token=${auth.token ?? ''}`, "the caller's bytes are kept as they were");
		assert.equal(seen.headers['content-length'], String(Buffer.byteLength(seen.body)));
	});

	it('adds the token to the body of a got `form` POST', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got.post(`${ORIGIN}/arcgis/rest/services/P/FeatureServer/0/applyEdits`, {hooks: auth.hooks, form: {f: 'json', adds: '[]'}});
		const seen = lastCall(site);
		assert.deepEqual(Object.fromEntries(new URLSearchParams(seen.body)), {f: 'json', adds: '[]', token: auth.token});
		assert.equal(seen.headers['content-length'], String(Buffer.byteLength(seen.body)));
	});

	it('keeps a GET when forcePost is false, with the token in the query', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {forcePost: false});
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		const seen = lastCall(site);
		assert.equal(seen.method, 'GET');
		assert.equal(seen.tokenIn, 'query');
		assert.equal(seen.body, '');
	});

	it('lets a forcePost function decide per URL', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {forcePost: url => url.pathname.endsWith('/query')});
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		await got(`${ORIGIN}/arcgis/rest/services/P/FeatureServer/0/query?where=1%3D1&f=json`, {hooks: auth.hooks});
		assert.deepEqual(
			site.resourceCalls.map(seen => seen.method),
			['GET', 'POST'],
		);
	});

	it('leaves PUT and DELETE as they are, with the token in the query', async () => {
		const site = new FakeSite(ORIGIN);
		const {default: nock} = await import('nock');
		const seen: string[] = [];
		nock(ORIGIN)
			.put(/.*/)
			.reply(200, function (uri) {
				seen.push(`${this.req.method} ${uri}`);
				return {ok: true};
			});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got.put(`${ORIGIN}/arcgis/rest/x?f=json`, {hooks: auth.hooks, json: {a: 1}});
		assert.equal(seen.length, 1);
		assert.match(seen[0] ?? '', new RegExp(`^PUT /arcgis/rest/x\\?f=json&token=${auth.token ?? 'missing'}$`));
		assert.equal(site.tokenCalls, 1);
	});

	it('tokenIn: "query" puts the token in the query of a POST and leaves the body alone', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {tokenIn: 'query'});
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		const seen = lastCall(site);
		assert.equal(seen.method, 'POST');
		assert.equal(seen.body, 'f=json');
		assert.equal(seen.path, `/arcgis/rest/services?token=${auth.token ?? ''}`);
	});

	it('tokenIn: "header" sends X-Esri-Authorization: Bearer and no token elsewhere', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {tokenIn: 'header'});
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		const seen = lastCall(site);
		assert.equal(seen.headers['x-esri-authorization'], `Bearer ${auth.token ?? ''}`);
		assert.equal(seen.tokenIn, 'header');
		assert.equal(seen.body, 'f=json');
		assert.ok(!('authorization' in seen.headers));
	});

	it('"auto" uses the query for a JSON or multipart POST', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got.post(`${ORIGIN}/arcgis/rest/services/x?f=json`, {hooks: auth.hooks, json: {a: 'ü'}});
		const form = new FormData();
		form.set('file', new Blob(['abc']), 'a.txt');
		await got.post(`${ORIGIN}/arcgis/rest/services/upload?f=json`, {hooks: auth.hooks, body: form});
		assert.deepEqual(
			site.resourceCalls.map(seen => seen.tokenIn),
			['query', 'query'],
		);
		assert.equal(site.resourceCalls[0]?.headers['content-length'], String(Buffer.byteLength('{"a":"ü"}')));
	});

	it("keeps got's GET retries for a converted GET, and never retries a real POST", async () => {
		const site = new FakeSite(ORIGIN);
		let failures = 1;
		site.resource = (_seen, valid) => (failures-- > 0 ? {status: 503, body: 'busy'} : {status: 200, body: {ok: valid}});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const retry = {limit: 2, backoffLimit: 5};
		assert.deepEqual(await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks, retry}).json(), {ok: true});
		assert.equal(site.resourceCalls.length, 2);

		failures = 1;
		await assert.rejects(got.post(`${ORIGIN}/arcgis/rest/services/x/applyEdits`, {hooks: auth.hooks, form: {f: 'json'}, retry}), {name: 'HTTPError'});
		assert.equal(site.resourceCalls.length, 3, 'the real POST went out once');
	});

	it("leaves a site's GET alone when forcePost is on but the site has no token security", async () => {
		const site = new FakeSite(ORIGIN, {tokenBased: false});
		site.resource = () => ({status: 200, body: {}});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		process.once('warning', () => undefined);
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assert.equal(lastCall(site).method, 'GET');
	});
});
