import assert from 'node:assert/strict';
import got from 'got';
import nock from 'nock';
import {ArcGISServerTokenAuth} from '../lib/index.js';
import {FakeSite, useNock} from './helpers/fake-site.js';

const ORIGIN = 'https://gis.example.com';

type Captured = {method: string; path: string; body: string; headers: Record<string, unknown>};

/** A host that records everything it receives. */
function recorder(origin: string): Captured[] {
	const captured: Captured[] = [];
	const reply = function (this: nock.ReplyFnContext, uri: string, body: nock.Body): nock.ReplyFnResult {
		captured.push({method: this.req.method, path: uri, body: typeof body === 'string' ? body : JSON.stringify(body ?? ''), headers: {...this.req.headers}});
		return [200, {elsewhere: true}];
	};

	nock(origin)
		.persist()
		.get(() => true)
		.reply(reply)
		.post(() => true)
		.reply(reply);
	return captured;
}

function assertNoToken(captured: Captured[], token: string | undefined): void {
	assert.ok(token, 'a token was obtained');
	assert.ok(captured.length > 0, 'the redirect target was reached');
	for (const request of captured) {
		assert.ok(!request.path.includes(token), `token in the URL ${request.path}`);
		assert.ok(!request.body.includes(token), 'token in the body');
		assert.ok(!JSON.stringify(request.headers).includes(token), 'token in a header');
		assert.ok(!('x-esri-authorization' in request.headers));
	}
}

describe('redirects', () => {
	useNock();

	for (const tokenIn of ['auto', 'query', 'header'] as const) {
		it(`carries no token (tokenIn: ${tokenIn}) across a 307 to another host`, async () => {
			const site = new FakeSite(ORIGIN);
			site.resource = seen => ({status: 307, body: '', headers: {location: `https://evil.example/collect${seen.path.includes('?') ? seen.path.slice(seen.path.indexOf('?')) : ''}`}});
			const captured = recorder('https://evil.example');
			const auth = new ArcGISServerTokenAuth('alice', 'right-password', {tokenIn});
			await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
			assertNoToken(captured, auth.token);
			assert.equal(captured[0]?.method, 'POST', 'the POST survives the 307');
			assert.match(captured[0]?.body ?? '', /f=json/);
		});
	}

	it('carries no token across a 302 to the same host on another port, even when Location echoes the token', async () => {
		const site = new FakeSite(ORIGIN);
		site.resource = seen => ({status: 302, body: '', headers: {location: `https://gis.example.com:8443/moved?token=${seen.token ?? ''}`}});
		const captured = recorder('https://gis.example.com:8443');
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {tokenIn: 'query', forcePost: false});
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assertNoToken(captured, auth.token);
	});

	it('carries no token on an https→http downgrade of the same host', async () => {
		const site = new FakeSite(ORIGIN);
		site.resource = () => ({status: 301, body: '', headers: {location: 'http://gis.example.com/arcgis/rest/services?f=json'}});
		const captured = recorder('http://gis.example.com');
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {tokenIn: 'header'});
		await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks});
		assertNoToken(captured, auth.token);
	});

	it('re-applies the token after a same-origin 301 (trailing slash), keeping the POST and its body', async () => {
		const site = new FakeSite(ORIGIN);
		site.resource = (seen, valid) =>
			seen.path.startsWith('/arcgis/rest/services/Maps/') || !valid
				? {status: valid ? 200 : 499, body: valid ? {ok: true, body: seen.body} : ''}
				: {status: 301, body: '', headers: {location: '/arcgis/rest/services/Maps/'}};
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const body = await got(`${ORIGIN}/arcgis/rest/services/Maps?f=json&where=name%3D%27Z%C3%BCrich%27`, {hooks: auth.hooks}).json<{ok: boolean; body: string}>();
		assert.equal(body.ok, true);
		const form = new URLSearchParams(body.body);
		assert.equal(form.get('where'), "name='Zürich'");
		assert.equal(form.getAll('token').length, 1);
		assert.equal(site.tokenCalls, 1);
		assert.deepEqual(
			site.resourceCalls.map(seen => seen.method),
			['POST', 'POST'],
		);
		assert.ok(site.resourceCalls.every(seen => seen.token === auth.token));
	});

	it('re-applies the token on an http→https upgrade of the same host to another port (6080 → 6443)', async () => {
		const http = new FakeSite('http://localhost:6080');
		http.resource = () => ({status: 301, body: '', headers: {location: 'https://localhost:6443/arcgis/rest/services?f=json'}});
		const https = new FakeSite('https://localhost:6443');
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {forcePost: false, tokenIn: 'query'});
		await auth.getToken('http://localhost:6080/arcgis/rest/services');
		https.valid.add(auth.token!);
		const body = await got('http://localhost:6080/arcgis/rest/services?f=json', {hooks: auth.hooks}).json();
		assert.deepEqual(body, {ok: true});
		assert.equal(https.resourceCalls[0]?.token, auth.token);
	});

	it('does not re-apply the token when a chain leaves the site and comes back', async () => {
		const site = new FakeSite(ORIGIN);
		site.resource = (seen, valid) =>
			seen.path.startsWith('/arcgis/back') ? {status: 200, body: {back: true, token: seen.token ?? null, valid}} : {status: 307, body: '', headers: {location: 'https://hop.example/bounce'}};
		nock('https://hop.example')
			.post('/bounce')
			.reply(307, '', {location: `${ORIGIN}/arcgis/back`});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const body = await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks}).json();
		assert.deepEqual(body, {back: true, token: null, valid: false});
	});
});
