import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import got from 'got';
import {ArcGISServerAuth, TokenAuthenticationError} from '../lib/index.js';
import {callerBound, ConnectionPool} from '../lib/web-tier/connection-pool.js';
import {forgetKerberosModule} from '../lib/web-tier/kerberos.js';
import {DEFAULT_NTLM_CONNECTIONS} from '../lib/web-tier/ntlm-login.js';
import {withoutNock} from './helpers/local-site.js';
import {NtlmServer} from './helpers/ntlm-server.js';

describe('ConnectionPool', () => {
	it('counts a picked request as busy before it is sent: two picks in one turn get two connections', () => {
		const pool = new ConnectionPool();
		const first = pool.acquire('http:', 4);
		pool.authenticated(first.connection);
		first.release();
		const [a, b] = [pool.acquire('http:', 4), pool.acquire('http:', 4)];
		assert.equal(a.connection, first.connection, 'the idle authenticated connection first');
		assert.notEqual(b.connection, a.connection, 'the first pick is busy although nothing was sent yet');
		assert.equal(b.connection.authenticated, false, 'a new connection, to authenticate');
		pool.close();
	});

	it('queues on the least busy authenticated connection at the bound, never on one mid-handshake', () => {
		const pool = new ConnectionPool();
		const leases = [pool.acquire('http:', 2), pool.acquire('http:', 2)];
		pool.authenticated(leases[0]!.connection);
		// The second connection is still being authenticated: nothing may queue behind its Type 1.
		const queued = [pool.acquire('http:', 2), pool.acquire('http:', 2)];
		assert.deepEqual(
			queued.map(lease => lease.connection),
			[leases[0]!.connection, leases[0]!.connection],
		);
		pool.authenticated(leases[1]!.connection);
		assert.equal(pool.acquire('http:', 2).connection, leases[1]!.connection, 'the less busy one');
		assert.equal(pool.connections.length, 2);
		pool.close();
	});

	it('opens a connection beyond the bound only when none of the protocol is authenticated', () => {
		const pool = new ConnectionPool();
		const http = pool.acquire('http:', 1);
		pool.authenticated(http.connection);
		const https = pool.acquire('https:', 1);
		assert.ok(https.connection.agent instanceof HttpsAgent);
		assert.equal(pool.connections.length, 2);
		assert.equal(pool.acquire('http:', 1).connection, http.connection);
		pool.close();
	});

	it('releases a lease once, however many paths report the end', () => {
		const pool = new ConnectionPool();
		const lease = pool.acquire('http:', 4);
		const other = pool.acquire('http:', 4);
		assert.equal(lease.connection.busy, 1);
		lease.release();
		lease.release();
		assert.equal(lease.connection.busy, 0);
		assert.equal(other.connection.busy, 1);
		pool.close();
	});

	it('knows the socket a connection was authenticated on', () => {
		const pool = new ConnectionPool();
		const lease = pool.acquire('http:', 4);
		const socket = {destroyed: false} as never;
		pool.authenticated(lease.connection, socket);
		assert.equal(lease.connection.isAuthenticatedSocket(socket), true);
		assert.equal(lease.connection.isAuthenticatedSocket({destroyed: false} as never), false, 'another socket');
		pool.unauthenticated(lease.connection);
		assert.equal(lease.connection.isAuthenticatedSocket(socket), false);
		pool.close();
	});

	it("takes the bound from the caller's agent when finite, not from its own agents", () => {
		assert.equal(callerBound({http: new HttpAgent({maxSockets: 3})}, 'http:', 16), 3);
		assert.equal(callerBound({https: new HttpsAgent({maxSockets: 5})}, 'https:', 16), 5);
		assert.equal(callerBound({http: new HttpAgent()}, 'http:', 16), 16, 'Infinity: the default');
		assert.equal(callerBound(undefined, 'http:', 16), 16);
		assert.equal(callerBound({http: new HttpAgent({maxSockets: 3})}, 'https:', 16), 16, "the other protocol's agent says nothing");
		const pool = new ConnectionPool();
		assert.equal(callerBound({http: pool.acquire('http:', 4).connection.agent}, 'http:', 16), undefined);
		pool.close();
	});
});

describe('NTLM on pooled connections (a real local server)', () => {
	withoutNock();
	let server: NtlmServer;
	const services = () => `${server.url}/arcgis/rest/services?f=json`;
	const login = async (auth: ArcGISServerAuth) => got(services(), {hooks: auth.hooks, retry: {limit: 0}});
	// Every Type 3 on the connection that sent its Type 1, and one handshake per connection.
	const assertHandshakesPinned = () => {
		const type1 = server.seen.filter(seen => seen.type === 1).map(seen => seen.port);
		const type3 = server.seen.filter(seen => seen.type === 3).map(seen => seen.port);
		assert.deepEqual([...type3].sort(), [...type1].sort());
		assert.equal(new Set(type1).size, type1.length, 'one handshake per connection');
	};

	beforeEach(async () => {
		forgetKerberosModule();
		server = await new NtlmServer().start();
	});
	afterEach(async () => {
		await server.stop();
	});

	it('grows while requests queue: 12 concurrent requests after the login use more than one authenticated connection', async () => {
		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
		await login(auth);
		server.delay = 30;
		const responses = await Promise.all(Array.from({length: 12}, async () => login(auth)));
		assert.ok(responses.every(response => response.statusCode === 200));
		assert.equal(server.connections.size, 12, 'each request found every connection busy, and the bound (16) allowed a new one');
		assertHandshakesPinned();
		auth.reset();
	});

	it('opens at most DEFAULT_NTLM_CONNECTIONS (16) connections when the caller sets no bound', async () => {
		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
		await login(auth);
		server.delay = 30;
		await Promise.all(Array.from({length: 40}, async () => login(auth)));
		assert.equal(DEFAULT_NTLM_CONNECTIONS, 16);
		assert.equal(server.connections.size, DEFAULT_NTLM_CONNECTIONS);
		assertHandshakesPinned();
		auth.reset();
	});

	it("follows the caller's agent: maxSockets 3 means at most 3 authenticated connections", async () => {
		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
		const agent = new HttpAgent({keepAlive: true, maxSockets: 3});
		const http = got.extend({hooks: auth.hooks, retry: {limit: 0}, agent: {http: agent}});
		await http(services());
		server.delay = 30;
		await Promise.all(Array.from({length: 20}, async () => http(services())));
		assert.equal(server.connections.size, 3);
		assertHandshakesPinned();
		auth.reset();
		agent.destroy();
	});

	it("puts its connection's agent on the request's own options: the caller's agents are left as they were", async () => {
		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
		const sessionAgents = {http: new HttpAgent({keepAlive: true, maxSockets: 3})};
		const requestAgents = {http: new HttpAgent({keepAlive: true, maxSockets: 2})};
		const http = got.extend({hooks: auth.hooks, retry: {limit: 0}, agent: sessionAgents});
		const first = await http(services());
		const second = await http(services(), {agent: requestAgents});
		const third = await http(services());
		// The agent the pool set in place, on each request's copy of the agents object only.
		const pooled = first.request.options.agent.http;
		assert.notEqual(pooled, sessionAgents.http, 'the request went on a pooled connection');
		assert.equal(second.request.options.agent.http, pooled);
		assert.equal(third.request.options.agent.http, pooled);
		assert.equal(sessionAgents.http.maxSockets, 3);
		assert.deepEqual(Object.keys(sessionAgents), ['http']);
		assert.equal(http.defaults.options.agent.http, sessionAgents.http, "the instance's agents as they were");
		assert.notEqual(requestAgents.http, pooled, "the per-request agents object is the caller's too");
		assert.equal(requestAgents.http.maxSockets, 2);
		assert.equal(server.connections.size, 1, 'one authenticated connection for the three');
		// A later request with no agent of its own still goes on the pool's connection.
		const bare = await got(services(), {hooks: auth.hooks, retry: {limit: 0}});
		assert.equal(bare.request.options.agent.http, pooled);
		auth.reset();
		sessionAgents.http.destroy();
		requestAgents.http.destroy();
	});

	it("reads the bound once per caller's agent, and again for another agent", () => {
		const pool = new ConnectionPool();
		const three = new HttpAgent({maxSockets: 3});
		assert.equal(pool.boundFor({http: three}, 'http:', 16), 3);
		three.maxSockets = 7;
		assert.equal(pool.boundFor({http: three}, 'http:', 16), 3, 'the same agent: as first read');
		assert.equal(pool.boundFor({http: new HttpAgent({maxSockets: 5})}, 'http:', 16), 5, 'another agent is read');
		assert.equal(pool.boundFor({http: three}, 'http:', 16), 7, 'and the first one again, as it now is');
		assert.equal(pool.boundFor(undefined, 'http:', 16), 16);
		assert.equal(pool.boundFor({http: pool.acquire('http:', 4).connection.agent}, 'http:', 16), undefined, "a pool's own agent (a later hop) says nothing");
		pool.close();
	});

	it('keeps the first login lockout-safe: 20 concurrent first requests wait for one handshake, and a refused one is never retried', async () => {
		server.delay = 20;
		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
		await Promise.all(Array.from({length: 20}, async () => login(auth)));
		const firstType3 = server.seen.findIndex(seen => seen.type === 3);
		assert.equal(server.seen.slice(0, firstType3 + 1).filter(seen => seen.type === 1).length, 1, 'no second Type 1 before the first login succeeded');
		assertHandshakesPinned();
		auth.reset();

		server.refuse = true;
		const before = server.handshakes;
		const wrong = new ArcGISServerAuth('EXAMPLE\\alice', 'wrong');
		const results = await Promise.allSettled(Array.from({length: 20}, async () => login(wrong)));
		assert.ok(results.every(result => result.status === 'rejected' && (result.reason as TokenAuthenticationError).code === 'WEB_TIER_FAILED'));
		assert.equal(server.handshakes - before, 1, 'one refused login, not retried');
	});

	describe('a request lets go of its connection exactly once', () => {
		// A busy count left behind (or counted down twice) makes the one connection look busy: the
		// next sequential request would then open a second connection with a second handshake.
		const assertStillOneConnection = async (auth: ArcGISServerAuth, path = services()) => {
			for (let index = 0; index < 3; index++) {
				await got(path, {hooks: auth.hooks, retry: {limit: 0}});
			}

			assert.equal(server.handshakes, 1, 'no second handshake');
			assert.equal(server.connections.size, 1, 'one connection');
		};

		it('after a 498 token retry on an NTLM connection (a token site partly behind IWA)', async () => {
			server.tokenSite = true;
			const secure = `${server.url}/arcgis/rest/services/Secure/MapServer?f=json`;
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			await got(secure, {hooks: auth.hooks, retry: {limit: 0}});
			server.reject498 = 1;
			const body = await got(secure, {hooks: auth.hooks, retry: {limit: 0}}).json<{ok: boolean}>();
			assert.equal(body.ok, true, 'refreshed and retried');
			assert.deepEqual(
				server.seen.filter(seen => seen.path.includes('/Secure')).map(seen => seen.token),
				['t1', 't1', 't1', 't1', 't2'],
				'401, Type 1, Type 3 (200), then the 498 and its retry with a new token',
			);
			await assertStillOneConnection(auth, secure);
			auth.reset();
		});

		it('after a redirect on an NTLM connection, and after a redirect that answers the Type 3', async () => {
			server.route = (request, response) => {
				if (request.url?.startsWith('/arcgis/rest/services/old')) {
					response.writeHead(302, {location: '/arcgis/rest/services?f=json'}).end();
					return true;
				}

				return false;
			};

			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			// The handshake's Type 3 is answered by the redirect: that proves the login as a 200 would.
			const first = await got(`${server.url}/arcgis/rest/services/old?f=json`, {hooks: auth.hooks, retry: {limit: 0}});
			assert.equal(first.statusCode, 200);
			assert.equal(first.redirectUrls.length, 1);
			await got(`${server.url}/arcgis/rest/services/old?f=json`, {hooks: auth.hooks, retry: {limit: 0}});
			await assertStillOneConnection(auth);
			auth.reset();
		});

		/** A client whose own afterResponse hook, before the handler's, retries every request once (with or without preserveHooks). */
		const retryingOnce = (auth: ArcGISServerAuth, preserveHooks = false) => {
			const retried = {count: 0};
			const http = got
				.extend({
					retry: {limit: 0},
					hooks: {
						afterResponse: [
							(response, retry) => {
								if (response.request.options.context['mine']) {
									return response;
								}

								retried.count++;
								return retry({context: {mine: true}, preserveHooks});
							},
						],
					},
				})
				.extend({hooks: auth.hooks});
			return {http, retried};
		};

		it("after a retry that a caller's own earlier afterResponse hook started with preserveHooks (the handler never saw that response)", async () => {
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			await login(auth);
			const {http, retried} = retryingOnce(auth, true);
			await http(services());
			assert.equal(retried.count, 1);
			await assertStillOneConnection(auth);
			auth.reset();
		});

		it("after a caller's earlier afterResponse hook retried without preserveHooks (got drops the later hooks: the handler's goes back on)", async () => {
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			await login(auth);
			const {http, retried} = retryingOnce(auth);
			for (let index = 0; index < 3; index++) {
				assert.equal((await http(services())).statusCode, 200);
			}

			assert.equal(retried.count, 3);
			await assertStillOneConnection(auth);
			auth.reset();
		});

		it("a first login through such a hook: the Type 1 it retried on is thrown away, and the retried attempt signs in (no wait for ever at the first login's gate)", async () => {
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			const {http, retried} = retryingOnce(auth);
			for (let index = 0; index < 3; index++) {
				assert.equal((await http(services())).statusCode, 200);
			}

			assert.equal(retried.count, 3);
			assert.equal(server.handshakes, 2, "the abandoned Type 1's, and the login");
			const [abandoned, signedIn] = server.seen.filter(seen => seen.type === 1).map(seen => seen.port);
			assert.deepEqual(
				server.seen.filter(seen => seen.type === 3).map(seen => seen.port),
				[signedIn],
				"the one Type 3 on its own Type 1's connection",
			);
			assert.ok(!server.seen.slice(server.seen.findIndex(seen => seen.type === 3)).some(seen => seen.port === abandoned), 'the abandoned connection is not used again');
			auth.reset();
		});

		it('after a stream (got runs no afterResponse for it)', async () => {
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			await login(auth);
			const chunks: Buffer[] = [];
			for await (const chunk of got.stream(services(), {hooks: auth.hooks, retry: {limit: 0}})) {
				chunks.push(chunk as Buffer);
			}

			assert.match(Buffer.concat(chunks).toString(), /"ok":true/);
			await assertStillOneConnection(auth);
			auth.reset();
		});

		it('after an HTTP error answer (read by afterResponse, then reported to beforeError)', async () => {
			server.route = (request, response) => {
				if (request.url?.startsWith('/arcgis/rest/services/broken')) {
					response.writeHead(500, {'content-type': 'application/json'}).end('{}');
					return true;
				}

				return false;
			};

			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			await login(auth);
			await assert.rejects(got(`${server.url}/arcgis/rest/services/broken?f=json`, {hooks: auth.hooks, retry: {limit: 0}}), {name: 'HTTPError'});
			await assertStillOneConnection(auth);
			auth.reset();
		});

		it('after a network error: the idle connection is picked again, and authenticated again on its new socket', async () => {
			let drop = true;
			server.route = (request, response, socket) => {
				if (drop && request.url?.startsWith('/arcgis/rest/services/drop')) {
					drop = false;
					socket.destroy();
					return true;
				}

				return false;
			};

			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			await login(auth);
			await assert.rejects(got(`${server.url}/arcgis/rest/services/drop?f=json`, {hooks: auth.hooks, retry: {limit: 0}}), (error: unknown) => (error as Error).name === 'RequestError');
			const mark = server.seen.length;
			await login(auth);
			// With the lease left behind, the pool would open a new connection and send a Type 1 first.
			assert.deepEqual(
				server.seen.slice(mark).map(seen => `${seen.type ?? 'none'} ${seen.status}`),
				['none 401', '1 401', '3 200'],
			);
			await login(auth);
			assert.equal(server.seen.at(-1)?.port, server.seen.at(-2)?.port, 'the re-authenticated connection serves the next request');
			auth.reset();
		});
	});

	/**
	One request that got itself retries (a GET after ECONNRESET, with got's default limit: the
	handshake's own retry counts as one; the handler's hooks run again for it), answered 200: the
	handshake legs the server saw, as "type status" (-1: the socket was dropped).
	*/
	const legsOfGotRetry = async (auth: ArcGISServerAuth) => {
		const response = await got(services(), {hooks: auth.hooks});
		assert.equal(response.statusCode, 200);
		return server.seen.filter(seen => seen.type !== undefined).map(seen => `${seen.type} ${seen.status}`);
	};

	it('restarts a handshake whose Type 3 lost its socket, when got retries it: no Type 3 on a new socket, no login kept as refused', async () => {
		server.dropType3 = 1;
		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
		assert.deepEqual(await legsOfGotRetry(auth), ['1 401', '3 -1', '1 401', '3 200'], 'the retry starts again with a Type 1');
		assertHandshakesPinned();
		assert.equal((await login(auth)).statusCode, 200, 'the credentials are not kept as refused');
	});

	it("restarts a first login whose Type 1 lost its socket, when got retries it: the retry does not wait for ever at the first login's gate", async () => {
		server.dropType1 = 1;
		assert.deepEqual(await legsOfGotRetry(new ArcGISServerAuth('EXAMPLE\\alice', 'pw')), ['1 -1', '1 401', '3 200']);
		const [type1, type3] = [1, 3].map(type => server.seen.filter(seen => seen.type === type).at(-1)?.port);
		assert.equal(type3, type1, "the Type 3 on the new Type 1's connection");
	});

	it('refuses to run a handshake on a stream (got runs no afterResponse for it) rather than leave it half done, and streams on a proven connection', async () => {
		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
		const read = async () => {
			const chunks: Buffer[] = [];
			for await (const chunk of got.stream(services(), {hooks: auth.hooks, retry: {limit: 0}})) {
				chunks.push(chunk as Buffer);
			}

			return Buffer.concat(chunks).toString();
		};

		await assert.rejects(read(), (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED' && /stream/.test(error.message));
		// The first login is not left waiting for the stream: an ordinary request runs it at once.
		assert.equal((await login(auth)).statusCode, 200);
		assert.match(await read(), /"ok":true/);
		assert.equal(server.handshakes, 1);
	});

	it('closes extra connections left idle, keeps the oldest, and its timer does not keep a script alive', async function () {
		this.timeout(20_000);
		const pool = new ConnectionPool({idleTimeout: 40});
		const leases = [pool.acquire('http:', 4), pool.acquire('http:', 4), pool.acquire('http:', 4)];
		await Promise.all(leases.map(async lease => got(`${server.url}/anon`, {agent: {http: lease.connection.agent}, retry: {limit: 0}, throwHttpErrors: false})));
		const ports = [...new Set(server.seen.map(seen => seen.port))];
		assert.equal(ports.length, 3);
		for (const lease of leases) {
			pool.authenticated(lease.connection);
			lease.release();
		}

		await new Promise(resolve => setTimeout(resolve, 200));
		assert.deepEqual(pool.connections, [leases[0]!.connection]);
		assert.deepEqual(
			ports.map(port => server.closed.has(port)),
			[false, true, true],
			'the sockets of the closed connections are closed',
		);
		pool.close();

		// A script that leaves the pool with extra connections (and so a running sweep) exits at once.
		const script = `
			import {ConnectionPool} from ${JSON.stringify(new URL('../lib/web-tier/connection-pool.ts', import.meta.url).href)};
			const pool = new ConnectionPool();
			pool.acquire('http:', 4);
			pool.acquire('http:', 4);
		`;
		const started = Date.now();
		const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {timeout: 15_000, encoding: 'utf8'});
		assert.equal(child.status, 0, child.stderr);
		assert.ok(Date.now() - started < 10_000, 'it did not wait for the idle timeout (30 s)');
	});
});
