import assert from 'node:assert/strict';
import {Readable} from 'node:stream';
import got, {HTTPError} from 'got';
import {ArcGISServerTokenAuth, TokenAuthenticationError} from '../lib/index.js';
import {FakeSite, useNock, type Seen} from './helpers/fake-site.js';

const ORIGIN = 'https://gis.example.com';
const SERVICES = `${ORIGIN}/arcgis/rest/services?f=json`;

/** Answers like ArcGIS once a token has been revoked, in the shape a spec asks for. */
function rejectingWith(site: FakeSite, reject: (seen: Seen) => {status: number; body: unknown}): void {
	site.resource = (seen, valid) => (valid ? {status: 200, body: {ok: true}} : reject(seen));
}

describe('refresh on an invalid or missing token (498/499)', () => {
	useNock();

	const shapes: Array<[string, (seen: Seen) => {status: number; body: unknown}]> = [
		['HTTP status 498', () => ({status: 498, body: 'Invalid Token'})],
		['HTTP status 499', () => ({status: 499, body: ''})],
		['JSON error.code 498 in HTTP 200', () => ({status: 200, body: {error: {code: 498, message: 'Invalid token.', details: []}}})],
		['JSON error.code 499 in HTTP 200', () => ({status: 200, body: {error: {code: 499, message: 'Token Required', messageCode: 'GWM_0003', details: []}}})],
		['admin shape {status:"error", code: 498}', () => ({status: 200, body: {status: 'error', messages: ['Invalid token.'], code: 498}})],
		['admin shape {status:"error", code: 499}', () => ({status: 200, body: {status: 'error', messages: ['Unauthorized access. Token not found.'], code: 499}})],
	];
	for (const [name, reject] of shapes) {
		it(`refreshes once on ${name}: exactly 2 token calls and the request succeeds`, async () => {
			const site = new FakeSite(ORIGIN);
			rejectingWith(site, reject);
			const auth = new ArcGISServerTokenAuth('alice', 'right-password');
			await got(SERVICES, {hooks: auth.hooks});
			const first = auth.token;
			site.valid.clear(); // Revoked on the server.
			const body = await got(SERVICES, {hooks: auth.hooks}).json();
			assert.deepEqual(body, {ok: true});
			assert.equal(site.tokenCalls, 2);
			assert.notEqual(auth.token, first);
			assert.deepEqual(
				site.resourceCalls.map(seen => seen.token),
				[first, first, auth.token],
			);
		});
	}

	it('hands a second 498 to the caller as it is: no loop', async () => {
		const site = new FakeSite(ORIGIN);
		site.resource = () => ({status: 200, body: {error: {code: 498, message: 'Invalid token.', details: []}}});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const body = await got(SERVICES, {hooks: auth.hooks}).json();
		assert.deepEqual(body, {error: {code: 498, message: 'Invalid token.', details: []}});
		assert.equal(site.resourceCalls.length, 2);
		assert.equal(site.tokenCalls, 2);
	});

	it("raises got's HTTPError after a second HTTP-status 498, with no token in util.inspect", async () => {
		const site = new FakeSite(ORIGIN);
		site.resource = () => ({status: 498, body: 'Invalid Token'});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const error = await got(SERVICES, {hooks: auth.hooks}).then(
			() => undefined,
			(error_: unknown) => error_,
		);
		assert.ok(error instanceof HTTPError);
		assert.equal(error.response.statusCode, 498);
		assert.equal(site.resourceCalls.length, 2);
		const {inspect} = await import('node:util');
		for (const seen of site.resourceCalls) {
			assert.ok(seen.token);
			assert.ok(!inspect(error, {depth: 6}).includes(seen.token), 'token in util.inspect of the error');
		}
	});

	it('does not refresh on a 403 GWM_0003 permission error', async () => {
		const site = new FakeSite(ORIGIN);
		const denied = {error: {code: 403, messageCode: 'GWM_0003', message: 'You do not have permissions to access this resource or perform this operation.', details: []}};
		site.resource = () => ({status: 200, body: denied});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), denied);
		assert.equal(site.tokenCalls, 1);
		assert.equal(site.resourceCalls.length, 1);
	});

	it('refreshes once for 50 concurrent 498s', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(SERVICES, {hooks: auth.hooks});
		site.valid.clear();
		const bodies = await Promise.all(Array.from({length: 50}, async () => got(SERVICES, {hooks: auth.hooks}).json()));
		assert.ok(bodies.every(body => (body as {ok?: boolean}).ok));
		assert.equal(site.tokenCalls, 2);
	});

	it("keeps a caller's own afterResponse hook running, once, on the retried response", async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(SERVICES, {hooks: auth.hooks});
		site.valid.clear();
		const statuses: unknown[] = [];
		const client = got.extend({hooks: auth.hooks}).extend({
			hooks: {
				afterResponse: [
					response => {
						statuses.push(JSON.parse(String(response.body)));
						return response;
					},
				],
			},
		});
		await client(SERVICES);
		assert.deepEqual(statuses, [{ok: true}]);
	});

	it("still refreshes after a 498 when a caller's earlier afterResponse hook retried without preserveHooks (got drops the later hooks: the handler's goes back on)", async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(SERVICES, {hooks: auth.hooks});
		site.valid.clear();
		const client = got.extend({hooks: {afterResponse: [(response, retry) => (response.request.options.context['mine'] ? response : retry({context: {mine: true}}))]}}).extend({hooks: auth.hooks});
		assert.deepEqual(await client(SERVICES).json(), {ok: true});
		assert.equal(site.tokenCalls, 2);
	});

	it('does not resend a streamed body after a 498: a clear TOKEN_REJECTED, and the next request gets a fresh token', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(SERVICES, {hooks: auth.hooks});
		site.valid.clear();
		await assert.rejects(
			got.post(`${ORIGIN}/arcgis/rest/services/x/upload?f=json`, {hooks: auth.hooks, body: Readable.from(['a=1']), headers: {'content-type': 'application/octet-stream'}}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'TOKEN_REJECTED' && /stream/.test(error.message),
		);
		assert.equal(site.resourceCalls.length, 2);
		await got(SERVICES, {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 2);
	});
});
