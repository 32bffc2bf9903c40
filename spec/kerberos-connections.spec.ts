import assert from 'node:assert/strict';
import {Agent} from 'node:http';
import got from 'got';
import sinon from 'sinon';
import {ArcGISServerAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {forgetKerberosModule} from '../lib/web-tier/kerberos.js';
import {fakeKerberos} from './helpers/fake-iwa.js';
import {withoutNock} from './helpers/local-site.js';
import {NegotiateSite} from './helpers/negotiate-site.js';

const path = '/arcgis/rest/services?f=json';
/** Requests after the handler's anonymous rest/info probe (whose 401 tells it the site wants Negotiate). */
const afterProbe = (site: NegotiateSite) => site.seen.filter(request => !request.path.includes('/rest/info'));

describe('Kerberos on authenticated connections (real sockets)', () => {
	withoutNock();
	let site: NegotiateSite | undefined;
	afterEach(async () => {
		sinon.restore();
		forgetKerberosModule();
		await site?.stop();
		site = undefined;
	});

	it('a site that keeps authentication per connection: 100 sequential requests carry one token per connection', async () => {
		fakeKerberos();
		site = await new NegotiateSite(true).start();
		const auth = new ArcGISServerAuth();
		const s = createSession({auth});
		for (let index = 0; index < 100; index++) {
			assert.equal((await s.get(`${site.url}${path}`).json<{ok: boolean}>()).ok, true);
		}

		const requests = afterProbe(site);
		const perConnection = new Map<number, number>();
		for (const request of requests.filter(seen => seen.authorization !== undefined)) {
			perConnection.set(request.connection, (perConnection.get(request.connection) ?? 0) + 1);
		}

		assert.ok(
			[...perConnection.values()].every(count => count === 1),
			`one token per connection, got ${JSON.stringify([...perConnection])}`,
		);
		assert.ok(site.tokens <= site.connections, `${site.tokens} tokens on ${site.connections} connections`);
		assert.equal(site.unauthorized, 1, 'only the anonymous probe of rest/info was refused');
		assert.equal(requests.length, 100);
	});

	it("a caller's earlier hook that retries every request once: the probe it retried on is made again, and the site still learns it keeps authentication", async () => {
		fakeKerberos();
		site = await new NegotiateSite(true).start();
		const auth = new ArcGISServerAuth();
		const s = got
			.extend({retry: {limit: 0}, hooks: {afterResponse: [(response, retry) => (response.request.options.context['mine'] ? response : retry({context: {mine: true}}))]}})
			.extend({hooks: auth.hooks});
		for (let index = 0; index < 10; index++) {
			assert.equal((await s.get(`${site.url}${path}`).json<{ok: boolean}>()).ok, true);
		}

		const requests = afterProbe(site);
		assert.equal(requests.length, 20, 'two attempts each');
		// The first request's two attempts carry a token (the first one's answer never reached the handler); then none.
		assert.deepEqual(
			requests.map(request => request.authorization !== undefined),
			[true, true, ...Array.from({length: 18}, () => false)],
		);
	});

	it('a site that wants a token per request: 100 sequential requests cost at most 2 responses 401, then a token each', async () => {
		const kerberos = fakeKerberos();
		site = await new NegotiateSite(false).start();
		const s = createSession({auth: new ArcGISServerAuth()});
		for (let index = 0; index < 100; index++) {
			assert.equal((await s.get(`${site.url}${path}`).json<{ok: boolean}>()).ok, true);
		}

		assert.ok(site.unauthorized <= 2, `${site.unauthorized} responses 401`);
		const requests = afterProbe(site);
		const lastTokenless = requests.findLastIndex(request => request.authorization === undefined);
		assert.ok(lastTokenless <= 2, `after the one probe every request carries a token (last without one: #${lastTokenless})`);
		assert.ok(kerberos.contexts >= 100, 'a fresh context per token');
	});

	it('concurrent requests on a site that wants a token per request: one probe, not one 401 each', async () => {
		fakeKerberos();
		site = await new NegotiateSite(false).start();
		const client = createSession({auth: new ArcGISServerAuth()});
		// The first batch authenticates 20 connections; the second finds them all idle while the site's
		// binding is still unknown: one request probes, the others send tokens.
		for (let batch = 0; batch < 3; batch++) {
			const results = await Promise.all(Array.from({length: 20}, async () => client.get(`${site!.url}${path}`).json<{ok: boolean}>()));
			assert.ok(results.every(result => result.ok));
		}

		assert.ok(site.unauthorized <= 2, `${site.unauthorized} responses 401 for 60 requests`);
	});

	it('a connection the server closed is not taken for authenticated: the next request sends a token, and no 401', async () => {
		fakeKerberos();
		site = await new NegotiateSite(true).start();
		const s = createSession({auth: new ArcGISServerAuth()});
		await s.get(`${site.url}${path}`);
		await s.get(`${site.url}${path}`);
		site.dropConnections();
		await new Promise(resolve => setTimeout(resolve, 50));
		await s.get(`${site.url}${path}`);
		await s.get(`${site.url}${path}`);
		const requests = afterProbe(site);
		assert.deepEqual(
			requests.map(request => [request.status, request.authorization === undefined ? 'none' : 'token']),
			[
				[200, 'token'],
				[200, 'none'],
				[200, 'token'],
				[200, 'none'],
			],
		);
	});

	it("mutual authentication is checked once per connection: 'required' passes on reused connections and rejects a tampered server token", async () => {
		fakeKerberos();
		site = await new NegotiateSite(true).start();
		const s = createSession({auth: new ArcGISServerAuth(undefined, undefined, {mutualAuth: 'required'})});
		for (let index = 0; index < 5; index++) {
			await s.get(`${site.url}${path}`);
		}

		assert.equal(afterProbe(site).filter(request => request.authorization === undefined).length, 4, 'later requests reuse the verified connection');
		site.serverToken = 'tampered';
		site.dropConnections();
		await new Promise(resolve => setTimeout(resolve, 50));
		await assert.rejects(
			s.get(`${site.url}${path}`),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED' && /mutual authentication failed/.test(error.message),
		);
		// The connection that failed to prove itself is never used without a token.
		site.serverToken = 'server-proof';
		const before = site.seen.length;
		await s.get(`${site.url}${path}`);
		assert.notEqual(site.seen[before]?.authorization, undefined, 'a token again after the failed check');
	});

	it("follows the caller's agent: no more connections than its maxSockets", async () => {
		fakeKerberos();
		site = await new NegotiateSite(true).start();
		const agent = new Agent({keepAlive: true, maxSockets: 3});
		const client = got.extend({hooks: new ArcGISServerAuth().hooks, agent: {http: agent}});
		await client(`${site.url}${path}`);
		await Promise.all(Array.from({length: 30}, async () => client(`${site!.url}${path}`)));
		agent.destroy();
		// The anonymous probe went on the caller's agent; Kerberos on at most three of the handler's.
		assert.ok(site.connections <= 4, `${site.connections} connections`);
		assert.equal(site.unauthorized, 1);
	});

	it('a redirect hop gives its connection back: sequential redirected requests stay on one connection', async () => {
		fakeKerberos();
		site = await new NegotiateSite(true).start();
		const s = createSession({auth: new ArcGISServerAuth()});
		for (let index = 0; index < 20; index++) {
			assert.equal((await s.get(`${site.url}/moved${path}`).json<{ok: boolean}>()).ok, true);
		}

		// The anonymous probe's connection, and one for Kerberos. Two tokens: the first hop's 302 is
		// not where mutual authentication is checked, so its connection is proven by the second.
		assert.ok(site.connections <= 2, `${site.connections} connections`);
		assert.equal(afterProbe(site).filter(request => request.authorization !== undefined).length, 2);
	});
});
