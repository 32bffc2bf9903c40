import assert from 'node:assert/strict';
import got from 'got';
import {ArcGISServerTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {LocalSite, withoutNock} from './helpers/local-site.js';

describe('against a real local server', () => {
	withoutNock();

	describe('over http with keep-alive', () => {
		let site: LocalSite;
		beforeEach(async () => {
			site = await new LocalSite().start();
		});
		afterEach(async () => {
			await site.stop();
		});

		it('keeps rewritten bodies, content-length and one keep-alive socket correct over 300 requests', async () => {
			const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
			const s = createSession({auth});
			for (let index = 0; index < 100; index++) {
				// A converted GET with non-ASCII values, a got form POST and a raw form body: the three ways
				// the handler rewrites a body. A stale content-length would cut the token off or desync the stream.
				const a = await s
					.get(`${site.url}/arcgis/rest/services/P/FeatureServer/0/query`, {searchParams: {where: `name='Zürich ${index}'`, f: 'json'}})
					.json<{ok: boolean; form: Record<string, string>}>();
				assert.equal(a.ok, true);
				assert.equal(a.form.where, `name='Zürich ${index}'`);
				const b = await s
					.post(`${site.url}/arcgis/rest/services/P/FeatureServer/0/applyEdits`, {form: {f: 'json', adds: `[{"attributes":{"n":"東京 ${index}"}}]`}})
					.json<{ok: boolean; form: Record<string, string>}>();
				assert.equal(b.form.adds, `[{"attributes":{"n":"東京 ${index}"}}]`);
				const c = await s
					.post(`${site.url}/arcgis/rest/services/P/FeatureServer/0/updateFeatures`, {body: `f=json&note=ü${index}`, headers: {'content-type': 'application/x-www-form-urlencoded'}})
					.json<{ok: boolean; form: Record<string, string>}>();
				assert.equal(c.form.note, `ü${index}`);
			}

			const calls = site.resourceCalls;
			assert.equal(calls.length, 300);
			for (const call of calls) {
				assert.equal(call.method, 'POST');
				assert.equal(call.declaredLength, call.body.length, 'content-length matches the bytes on the wire');
				assert.equal(new URLSearchParams(call.body.toString('utf8')).get('token'), auth.token);
			}

			assert.equal(new Set(site.received.map(call => call.remotePort)).size, 1, 'every request, the token call included, used one socket');
		});

		it("keeps cookies in a session's jar and sends the session headers", async () => {
			const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
			const s = createSession({auth, headers: {'x-script': 'nightly'}});
			const first = await s.get(`${site.url}/arcgis/rest/services?f=json`).json<{cookie: string | null}>();
			const second = await s.get(`${site.url}/arcgis/rest/services?f=json`).json<{cookie: string | null}>();
			assert.equal(first.cookie, null);
			assert.equal(second.cookie, 'AGS_ROLES=abc');
			assert.ok(site.resourceCalls.every(call => call.headers['x-script'] === 'nightly'));
		});

		it('works with plain got and got.extend as well', async () => {
			const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
			assert.equal((await got(`${site.url}/arcgis/rest/services?f=json`, {hooks: auth.hooks}).json<{ok: boolean}>()).ok, true);
			const client = got.extend({hooks: auth.hooks});
			assert.equal((await client(`${site.url}/arcgis/rest/services?f=json`).json<{ok: boolean}>()).ok, true);
		});
	});

	describe('over https with a self-signed certificate', () => {
		let site: LocalSite;
		beforeEach(async () => {
			site = await new LocalSite(true).start();
		});
		afterEach(async () => {
			await site.stop();
		});

		it("verifies certificates on the handler's own calls by default", async () => {
			const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
			const s = createSession({auth, verify: false});
			await assert.rejects(
				s.get(`${site.url}/arcgis/rest/services?f=json`),
				(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'NETWORK_ERROR' && /self[- ]signed/i.test(error.message),
			);
			assert.equal(site.received.length, 0);
		});

		it("verify: false on the handler applies to its own calls, and the session's verify to the caller's requests", async () => {
			const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {verify: false});
			await assert.rejects(
				createSession({auth}).get(`${site.url}/arcgis/rest/services?f=json`),
				(error: unknown) => !(error instanceof TokenAuthenticationError) && /self[- ]signed/i.test(String((error as Error).message)),
			);
			assert.equal(site.tokens.size, 1, 'the handler logged in without verification');
			const body = await createSession({auth, verify: false}).get(`${site.url}/arcgis/rest/services?f=json`).json<{ok: boolean}>();
			assert.equal(body.ok, true);
		});
	});
});
