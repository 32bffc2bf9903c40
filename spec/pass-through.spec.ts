import assert from 'node:assert/strict';
import nock from 'nock';
import sinon from 'sinon';
import {ArcGISPortalAuth, ArcGISPortalTokenAuth, createSession} from '../lib/index.js';
import {FakeSite, useNock} from './helpers/fake-site.js';

const PORTAL = 'https://portal.example.com';
const API = 'https://api.example.com';

type Sent = {method: string; path: string; body: string; headers: Record<string, string | string[] | undefined>};

/** Another web API whose paths happen to have a `rest` segment; its `rest/info` is not ArcGIS's. */
function otherApi(info: () => nock.ReplyFnResult): {sent: Sent[]; probes: () => number} {
	const sent: Sent[] = [];
	let probes = 0;
	const scope = nock(API).persist();
	scope.get(/\/rest\/info(\?.*)?$/).reply(() => {
		probes++;
		return info();
	});

	const record = (method: string) =>
		function (this: nock.ReplyFnContext, uri: string, body: nock.Body): nock.ReplyFnResult {
			sent.push({method, path: uri, body: typeof body === 'string' ? body : JSON.stringify(body), headers: this.req.headers});
			return [200, {items: []}];
		};

	scope.get(uri => !/\/rest\/info/.test(uri)).reply(record('GET'));
	scope.post(uri => !/\/rest\/info/.test(uri)).reply(record('POST'));
	return {sent, probes: () => probes};
}

const NOT_ARCGIS: Array<[string, () => nock.ReplyFnResult]> = [
	['a 404 page', () => [404, '<html>Not Found</html>', {'content-type': 'text/html'}]],
	['JSON that is not ArcGIS', () => [200, {version: 'v1', status: 'ok'}]],
	['a 401 asking for Basic authentication', () => [401, '', {'www-authenticate': 'Basic realm="api"'}]],
	['a 500', () => [500, 'oops']],
];

describe('portal handlers and other hosts', () => {
	useNock();
	afterEach(() => {
		sinon.restore();
	});

	for (const [what, reply] of NOT_ARCGIS) {
		it(`sends a request to another host whose rest/info answers ${what} as it was sent, after one probe`, async () => {
			const portal = new FakeSite(PORTAL, {root: '/portal'});
			const api = otherApi(reply);
			const s = createSession({auth: new ArcGISPortalTokenAuth('alice', 'right-password')});
			await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
			for (let index = 0; index < 3; index++) {
				assert.deepEqual(await s.get(`${API}/api/rest/v1/items?q=parcels`).json(), {items: []});
			}

			assert.deepEqual(
				api.sent.map(sent => [sent.method, sent.path, sent.headers.referer, sent.headers['x-esri-authorization']]),
				[
					['GET', '/api/rest/v1/items?q=parcels', undefined, undefined],
					['GET', '/api/rest/v1/items?q=parcels', undefined, undefined],
					['GET', '/api/rest/v1/items?q=parcels', undefined, undefined],
				],
				'untouched: still a GET, no token, no Referer',
			);
			assert.equal(api.probes(), 1, 'one probe per root, its failure remembered');
			assert.equal(portal.tokenCalls, 1);
		});
	}

	it('passes a first request through before any portal is known, and still binds the portal later', async () => {
		const portal = new FakeSite(PORTAL, {root: '/portal'});
		const api = otherApi(NOT_ARCGIS[0]![1]);
		const s = createSession({auth: new ArcGISPortalTokenAuth('alice', 'right-password')});
		assert.deepEqual(await s.get(`${API}/api/rest/v1/items`).json(), {items: []});
		assert.equal(api.sent[0]?.method, 'GET');
		await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
		assert.equal(portal.resourceCalls[0]?.tokenIn, 'body');
	});

	it('passes a request through when the probe cannot connect, without a token', async () => {
		new FakeSite(PORTAL, {root: '/portal'});
		const sent: string[] = [];
		nock(API)
			.get(/\/rest\/info/)
			.replyWithError(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}))
			.get('/api/rest/v1/items')
			.reply(function (uri) {
				sent.push(`${this.req.headers['x-esri-authorization'] ?? ''}${uri}`);
				return [200, {items: []}];
			});
		const s = createSession({auth: new ArcGISPortalTokenAuth('alice', 'right-password', {tokenIn: 'header'})});
		await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
		assert.deepEqual(await s.get(`${API}/api/rest/v1/items`).json(), {items: []});
		assert.deepEqual(sent, ['/api/rest/v1/items']);
	});

	it('forgets a failed probe after a minute, and keeps at most 256 roots', async () => {
		const clock = sinon.useFakeTimers({now: Date.UTC(2026, 11, 1, 12), toFake: ['Date']});
		new FakeSite(PORTAL, {root: '/portal'});
		const api = otherApi(NOT_ARCGIS[0]![1]);
		const s = createSession({auth: new ArcGISPortalTokenAuth('alice', 'right-password')});
		await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
		await s.get(`${API}/api/rest/v1/items`);
		clock.tick(59_000);
		await s.get(`${API}/api/rest/v1/items`);
		assert.equal(api.probes(), 1, 'remembered for a while');
		clock.tick(2000);
		await s.get(`${API}/api/rest/v1/items`);
		assert.equal(api.probes(), 2, 'probed again after a minute');
		// 256 other roots push the first one out: memory stays bounded.
		for (let index = 0; index < 256; index++) {
			await s.get(`${API}/api${index}/rest/v1/items`);
		}

		assert.equal(api.probes(), 258);
		await s.get(`${API}/api/rest/v1/items`);
		assert.equal(api.probes(), 259, 'the oldest root was forgotten');
	});

	it('general portal handlers pass other hosts through too', async () => {
		new FakeSite(PORTAL, {root: '/portal'});
		const api = otherApi(NOT_ARCGIS[1]![1]);
		const s = createSession({auth: new ArcGISPortalAuth('alice', 'right-password')});
		nock(PORTAL)
			.get('/portal/sharing/rest/info')
			.query(true)
			.reply(200, {authInfo: {isTokenBasedSecurity: true}});
		await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
		assert.deepEqual(await s.get(`${API}/api/rest/v1/items`).json(), {items: []});
		assert.equal(api.sent[0]?.headers.authorization, undefined);
	});
});
