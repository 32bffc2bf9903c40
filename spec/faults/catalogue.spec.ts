import assert from 'node:assert/strict';
import {createServer, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {Readable} from 'node:stream';
import {createGzip} from 'node:zlib';
import got, {HTTPError, MaxRedirectsError, ParseError, RequestError, TimeoutError} from 'got';
import nock from 'nock';
import sinon from 'sinon';
import {ArcGISPortalTokenAuth, ArcGISServerAuth, ArcGISServerTokenAuth, TokenAuthenticationError, createSession} from '../../lib/index.js';
import {forgetKerberosModule} from '../../lib/web-tier/kerberos.js';
import {FakeIwaSite, fakeKerberos} from '../helpers/fake-iwa.js';
import {FakeSite, useNock} from '../helpers/fake-site.js';
import {type2Message} from '../helpers/ntlm-fixtures.js';
import {CANARY_PASSWORD, CANARY_TOKEN, withEvidence, type Evidence} from './evidence.js';

const ORIGIN = 'https://faults.example.com';
const SERVICES = `${ORIGIN}/arcgis/rest/services?f=json`;

const site = (options: ConstructorParameters<typeof FakeSite>[1] = {}) => new FakeSite(ORIGIN, {password: CANARY_PASSWORD, tokenPrefix: CANARY_TOKEN, ...options});
const serverAuth = (evidence: Evidence, options: ConstructorParameters<typeof ArcGISServerTokenAuth>[2] = {}) => {
	const auth = new ArcGISServerTokenAuth('alice', CANARY_PASSWORD, options);
	evidence.handlers.push(auth);
	return auth;
};

/**
Asserts a typed error with that code (and message). With an explicit message: a bare failing
assert.ok makes Node re-read the transpiled source to describe the expression, which stalls.
*/
function expectCode(error: unknown, code: string, pattern?: RegExp): void {
	const ok = error instanceof TokenAuthenticationError && error.code === code && (pattern === undefined || pattern.test(error.message));
	assert.ok(
		ok,
		`expected TokenAuthenticationError ${code}${pattern ? ` matching ${String(pattern)}` : ''}, got ${error instanceof Error ? `${(error as {code?: string}).code ?? error.name}: ${error.message}` : String(error)}`,
	);
}

type Case = [name: string, run: (evidence: Evidence) => Promise<void>];

/** Answers of rest/info or generateToken that are not what ArcGIS promises. */
const GARBAGE: Array<[string, {status: number; body: string | object; headers?: Record<string, string>}]> = [
	['HTML', {status: 200, body: '<!DOCTYPE html><html><body>Sign in</body></html>', headers: {'content-type': 'text/html'}}],
	['truncated JSON', {status: 200, body: '{"authInfo":{"isTokenBasedSecurity":tr'}],
	['{}', {status: 200, body: {}}],
	['HTTP 500', {status: 500, body: 'Internal Server Error'}],
	['HTTP 502 with an HTML body', {status: 502, body: '<html><h1>502 Bad Gateway</h1></html>', headers: {'content-type': 'text/html'}}],
];

const cases: Case[] = [
	...GARBAGE.map(([what, reply]): Case => [
		`rest/info answers ${what}: DISCOVERY_FAILED, and the next request tries again`,
		async evidence => {
			const fake = site();
			fake.infoReply = () => reply;
			const auth = serverAuth(evidence);
			expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks})), 'DISCOVERY_FAILED');
			fake.infoReply = undefined;
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
		},
	]),
	...GARBAGE.map(([what, reply]): Case => [
		`generateToken answers ${what}: TOKEN_SERVICE_ERROR, and the next request tries again`,
		async evidence => {
			const fake = site();
			fake.tokenReplies.push({status: reply.status, body: reply.body, headers: reply.headers});
			const auth = serverAuth(evidence);
			expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks})), 'TOKEN_SERVICE_ERROR');
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
			assert.equal(fake.tokenCalls, 2);
		},
	]),
	[
		'generateToken error with details as an array: INVALID_CREDENTIALS, kept',
		async evidence => {
			const fake = site({password: 'something-else'});
			const auth = serverAuth(evidence);
			expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks})), 'INVALID_CREDENTIALS', /Invalid username or password/);
			expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks})), 'INVALID_CREDENTIALS');
			assert.equal(fake.tokenCalls, 1);
		},
	],
	[
		"generateToken error with details as a string: TOKEN_SERVICE_ERROR with the server's words",
		async evidence => {
			const fake = site();
			fake.tokenReplies.push({body: {error: {code: 201, message: 'Exception in generating token', details: 'Client ID is required for long expiration tokens.'}}});
			const error = await evidence.failure(got(SERVICES, {hooks: serverAuth(evidence).hooks}));
			expectCode(error, 'TOKEN_SERVICE_ERROR', /Client ID is required/);
			assert.equal((error as TokenAuthenticationError).arcgisError?.code, 201);
		},
	],
	[
		'generateToken error echoing the password: the password is scrubbed',
		async evidence => {
			const fake = site();
			fake.tokenReplies.push({body: {error: {code: 400, message: `Bad password ${CANARY_PASSWORD}`, details: [`Invalid password ${CANARY_PASSWORD}`]}}});
			expectCode(await evidence.failure(got(SERVICES, {hooks: serverAuth(evidence).hooks})), 'INVALID_CREDENTIALS', /\*\*\*/);
		},
	],
	[
		'admin generateToken error in the admin shape: a typed error',
		async evidence => {
			const fake = site();
			fake.tokenReplies.push({body: {status: 'error', messages: ['Unable to generate token.', 'Invalid username or password.'], code: 400}});
			const auth = serverAuth(evidence);
			expectCode(await evidence.failure(got.post(`${ORIGIN}/arcgis/admin/services/x.MapServer/stop`, {hooks: auth.hooks, form: {f: 'json'}})), 'INVALID_CREDENTIALS');
			assert.deepEqual(
				fake.tokenRequests.map(request => request.path),
				['/arcgis/admin/generateToken'],
			);
		},
	],
	...(
		[
			['missing', undefined, 'TOKEN_SERVICE_ERROR'],
			['NaN', 'not-a-number', 'TOKEN_SERVICE_ERROR'],
			['in the past', 1_000_000, 'TOKEN_SERVICE_ERROR'],
		] as const
	).map(([what, expires, code]): Case => [
		`generateToken expires ${what}: ${code}`,
		async evidence => {
			const fake = site();
			fake.tokenReplies.push({body: {token: `${CANARY_TOKEN}-odd`, ...(expires === undefined ? {} : {expires})}});
			expectCode(await evidence.failure(got(SERVICES, {hooks: serverAuth(evidence).hooks})), code);
		},
	]),
	[
		'generateToken expires as a string: accepted',
		async evidence => {
			const fake = site();
			const {token, expires} = fake.issue();
			fake.tokenReplies.push({body: {token, expires: String(expires)}});
			const auth = serverAuth(evidence);
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
			assert.equal(auth.expires?.getTime(), expires);
		},
	],
	[
		'generateToken expires in the year 3000: accepted, refreshed on 498 all the same',
		async evidence => {
			const fake = site();
			const {token} = fake.issue();
			fake.tokenReplies.push({body: {token, expires: Date.UTC(3000, 0, 1)}});
			const auth = serverAuth(evidence);
			await got(SERVICES, {hooks: auth.hooks});
			fake.valid.clear();
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
			assert.equal(fake.tokenCalls, 2);
		},
	],
	[
		"the token endpoint hangs: got's timeout is honoured, and the next request tries again",
		async evidence => {
			const fake = site();
			fake.tokenReplies.push({body: {token: `${CANARY_TOKEN}-late`, expires: Date.now() + 3_600_000}, delayMs: 2000});
			const auth = serverAuth(evidence);
			const started = Date.now();
			expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks, timeout: {request: 300}, retry: {limit: 0}})), 'NETWORK_ERROR', /Timeout/);
			assert.ok(Date.now() - started < 1500);
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
			assert.equal(fake.tokenCalls, 2);
		},
	],
	[
		"HTTP 500 with the token in the query (forcePost: false): got's HTTPError, the token taken off it",
		async evidence => {
			const fake = site();
			fake.resource = () => ({status: 500, body: 'Internal Server Error'});
			const error = await evidence.failure(got(SERVICES, {hooks: serverAuth(evidence, {forcePost: false}).hooks, retry: {limit: 0}}));
			assert.ok(error instanceof HTTPError && error.response.statusCode === 500);
			assert.equal(fake.resourceCalls[0]?.tokenIn, 'query');
			assert.match(error.message, /\?f=json&token=REDACTED$/);
		},
	],
	[
		"a JSON request answered with HTML, the token in the query (a JSON POST): got's ParseError, the token taken off it",
		async evidence => {
			const fake = site();
			fake.resource = () => ({status: 200, body: '<html>maintenance</html>', headers: {'content-type': 'text/html'}});
			const error = await evidence.failure(
				got.post(`${ORIGIN}/arcgis/rest/services/P/FeatureServer/0/addFeatures?f=json`, {hooks: serverAuth(evidence).hooks, json: {features: []}, responseType: 'json'}),
			);
			assert.ok(error instanceof ParseError);
			assert.equal(fake.resourceCalls[0]?.tokenIn, 'query');
		},
	],
	[
		"generateToken answers a token with CR/LF: TOKEN_SERVICE_ERROR, not got's ERR_INVALID_CHAR",
		async evidence => {
			const fake = site();
			fake.tokenReplies.push({body: {token: `${CANARY_TOKEN}-a\r\nX-Injected: yes`, expires: Date.now() + 3_600_000}});
			expectCode(await evidence.failure(got(SERVICES, {hooks: serverAuth(evidence, {tokenIn: 'header'}).hooks})), 'TOKEN_SERVICE_ERROR', /characters no token has/);
			assert.equal(fake.resourceCalls.length, 0);
		},
	],
	[
		"a redirect loop: got's MaxRedirectsError, bounded, the token hidden",
		async evidence => {
			const fake = site();
			fake.resource = () => ({status: 302, body: '', headers: {location: '/arcgis/rest/services/loop'}});
			const error = await evidence.failure(got(SERVICES, {hooks: serverAuth(evidence).hooks}));
			assert.ok(error instanceof MaxRedirectsError);
			assert.equal(fake.resourceCalls.length, 11);
		},
	],
	[
		'a redirect to another host: the token does not follow',
		async evidence => {
			const fake = site();
			fake.resource = () => ({status: 307, body: '', headers: {location: 'https://collector.example/grab'}});
			const seen: string[] = [];
			nock('https://collector.example')
				.post('/grab')
				.reply(200, (_uri, body) => {
					seen.push(typeof body === 'string' ? body : JSON.stringify(body));
					return {};
				});
			await got(SERVICES, {hooks: serverAuth(evidence).hooks});
			assert.equal(seen.length, 1);
			assert.ok(!seen[0]!.includes(CANARY_TOKEN));
		},
	],
	[
		'an https→http downgrade: the token does not follow',
		async evidence => {
			const fake = site();
			fake.resource = () => ({status: 301, body: '', headers: {location: 'http://faults.example.com/arcgis/rest/services?f=json'}});
			const seen: string[] = [];
			nock('http://faults.example.com')
				.post('/arcgis/rest/services')
				.query(true)
				.reply(200, function (uri, body) {
					seen.push(`${uri} ${typeof body === 'string' ? body : JSON.stringify(body)} ${JSON.stringify(this.req.headers)}`);
					return {};
				});
			await got(SERVICES, {hooks: serverAuth(evidence, {tokenIn: 'header'}).hooks});
			assert.equal(seen.length, 1);
			assert.ok(!seen[0]!.includes(CANARY_TOKEN));
		},
	],
	[
		'plain http to a remote host: INSECURE_TRANSPORT before any login',
		async evidence => {
			const fake = new FakeSite('http://faults.example.com', {password: CANARY_PASSWORD, tokenPrefix: CANARY_TOKEN});
			expectCode(await evidence.failure(got('http://faults.example.com/arcgis/rest/services?f=json', {hooks: serverAuth(evidence).hooks})), 'INSECURE_TRANSPORT');
			assert.equal(fake.tokenCalls, 0);
		},
	],
	[
		'an ssl:true token and an http URL on loopback: INSECURE_TRANSPORT, the token never sent',
		async evidence => {
			const fake = new FakeSite('http://127.0.0.1:6080', {password: CANARY_PASSWORD, tokenPrefix: CANARY_TOKEN});
			fake.tokenReplies.push({body: {...fake.issue(), ssl: true}});
			expectCode(await evidence.failure(got('http://127.0.0.1:6080/arcgis/rest/services?f=json', {hooks: serverAuth(evidence).hooks})), 'INSECURE_TRANSPORT', /HTTPS-only/);
			assert.equal(fake.resourceCalls.length, 0);
		},
	],
	[
		'a 498 on every request: each request bounded to one refresh, the 498 returned',
		async evidence => {
			const fake = site();
			fake.resource = () => ({status: 200, body: {error: {code: 498, message: 'Invalid token.', details: []}}});
			const auth = serverAuth(evidence);
			for (let index = 0; index < 3; index++) {
				assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {error: {code: 498, message: 'Invalid token.', details: []}});
			}

			assert.equal(fake.resourceCalls.length, 6);
			assert.equal(fake.tokenCalls, 4);
		},
	],
	[
		"an HTTP-status 498 on every request: got's HTTPError after one refresh, the token hidden",
		async evidence => {
			const fake = site();
			fake.resource = () => ({status: 498, body: 'Invalid token'});
			const error = await evidence.failure(got(SERVICES, {hooks: serverAuth(evidence).hooks}));
			assert.ok(error instanceof HTTPError);
			assert.equal(fake.resourceCalls.length, 2);
		},
	],
	[
		'a 498 on a request with a stream body: TOKEN_REJECTED, nothing resent',
		async evidence => {
			const fake = site();
			const auth = serverAuth(evidence);
			await got(SERVICES, {hooks: auth.hooks});
			fake.valid.clear();
			expectCode(
				await evidence.failure(got.post(`${ORIGIN}/arcgis/rest/services/x/upload`, {hooks: auth.hooks, body: Readable.from(['payload']), headers: {'content-type': 'application/octet-stream'}})),
				'TOKEN_REJECTED',
				/stream/,
			);
			assert.equal(fake.resourceCalls.length, 2);
		},
	],
	[
		'50 concurrent 498s: one refresh',
		async evidence => {
			const fake = site();
			const auth = serverAuth(evidence);
			await got(SERVICES, {hooks: auth.hooks});
			fake.valid.clear();
			const bodies = await Promise.all(Array.from({length: 50}, async () => got(SERVICES, {hooks: auth.hooks}).json<{ok?: boolean}>()));
			assert.ok(bodies.every(body => body.ok));
			assert.equal(fake.tokenCalls, 2);
		},
	],
	[
		'100 concurrent requests with a wrong password: one attempt, 100 typed errors',
		async evidence => {
			const fake = site({password: 'the-real-one'});
			const auth = serverAuth(evidence);
			const results = await Promise.allSettled(Array.from({length: 100}, async () => got(SERVICES, {hooks: auth.hooks})));
			for (const result of results) {
				assert.equal(result.status, 'rejected');
				evidence.errors.push(result.reason);
				expectCode(result.reason, 'INVALID_CREDENTIALS');
			}

			assert.equal(fake.tokenCalls, 1);
		},
	],
	[
		"a server Date hours away from the local clock: expiry read on the server's clock",
		async evidence => {
			const clock = sinon.useFakeTimers({now: Date.UTC(2026, 5, 1), toFake: ['Date']});
			try {
				const fake = site();
				const serverNow = Date.now() - 6 * 3_600_000;
				const {token} = fake.issue();
				fake.tokenReplies.push({body: {token, expires: serverNow + 3_600_000}, headers: {date: new Date(serverNow).toUTCString()}});
				const auth = serverAuth(evidence);
				await got(SERVICES, {hooks: auth.hooks});
				clock.tick(30 * 60_000);
				await got(SERVICES, {hooks: auth.hooks});
				assert.equal(fake.tokenCalls, 1, 'not taken for expired 6 hours ago');
			} finally {
				clock.restore();
			}
		},
	],
	[
		'a portal answering HTML at generateToken: TOKEN_SERVICE_ERROR',
		async evidence => {
			const fake = new FakeSite(ORIGIN, {root: '/portal', password: CANARY_PASSWORD, tokenPrefix: CANARY_TOKEN});
			fake.tokenReplies.push({status: 200, body: '<html>maintenance</html>'});
			const auth = new ArcGISPortalTokenAuth('alice', CANARY_PASSWORD);
			evidence.handlers.push(auth);
			expectCode(await evidence.failure(got(`${ORIGIN}/portal/sharing/rest/portals/self?f=json`, {hooks: auth.hooks})), 'TOKEN_SERVICE_ERROR', /HTML/);
		},
	],
	...(['echoing the portal token', 'as HTML'] as const).map((how): Case => [
		`the federation exchange answers ${how}: TOKEN_SERVICE_ERROR for that server alone, nothing leaked`,
		async evidence => {
			const portal = new FakeSite(ORIGIN, {root: '/portal', password: CANARY_PASSWORD, tokenPrefix: CANARY_TOKEN});
			const server = new FakeSite('https://fed.example.com', {root: '/server', tokenPrefix: CANARY_TOKEN, owningSystemUrl: `${ORIGIN}/portal`});
			const auth = new ArcGISPortalTokenAuth('alice', CANARY_PASSWORD);
			evidence.handlers.push(auth);
			const s = createSession({auth});
			await s.get(`${ORIGIN}/portal/sharing/rest/portals/self?f=json`);
			const echoed = {body: {error: {code: 400, message: `Unable to generate token for ${auth.token}`, details: [`token=${auth.token}`]}}};
			portal.tokenReplies.push(how === 'as HTML' ? {status: 200, body: '<html>maintenance</html>'} : echoed);
			expectCode(await evidence.failure(s.get('https://fed.example.com/server/rest/services?f=json')), 'TOKEN_SERVICE_ERROR');
			assert.equal(server.resourceCalls.length, 0, 'nothing sent to the server without its token');
			assert.deepEqual(await s.get(`${ORIGIN}/portal/sharing/rest/portals/self?f=json`).json(), {ok: true}, 'the portal still works');
		},
	]),
	[
		'a server federated with another portal: NOT_FEDERATED, the portal token nowhere',
		async evidence => {
			new FakeSite(ORIGIN, {root: '/portal', password: CANARY_PASSWORD, tokenPrefix: CANARY_TOKEN});
			const server = new FakeSite('https://other.example.com', {root: '/server', tokenPrefix: CANARY_TOKEN, owningSystemUrl: 'https://other.example.com/portal'});
			const auth = new ArcGISPortalTokenAuth('alice', CANARY_PASSWORD);
			evidence.handlers.push(auth);
			const s = createSession({auth});
			await s.get(`${ORIGIN}/portal/sharing/rest/portals/self?f=json`);
			expectCode(await evidence.failure(s.get('https://other.example.com/server/rest/services?f=json')), 'NOT_FEDERATED', /not sent there/);
			assert.equal(server.resourceCalls.length, 0);
		},
	],
	[
		'a 403 GWM_0003: returned as it is, no refresh',
		async evidence => {
			const fake = site();
			fake.resource = () => ({status: 200, body: {error: {code: 403, messageCode: 'GWM_0003', message: 'You do not have permissions', details: []}}});
			await got(SERVICES, {hooks: serverAuth(evidence).hooks});
			assert.equal(fake.tokenCalls, 1);
		},
	],
];

/** Web-tier faults, with the kerberos module faked or hidden. */
const webTierCases: Case[] = [
	[
		'a 401 without WWW-Authenticate: returned to the caller, no loop',
		async evidence => {
			fakeKerberos(false);
			const iwa = new FakeIwaSite(ORIGIN);
			iwa.offer = [];
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', CANARY_PASSWORD);
			evidence.handlers.push(auth);
			const error = await evidence.failure(got(SERVICES, {hooks: auth.hooks}));
			assert.ok(error instanceof HTTPError && error.response.statusCode === 401);
			assert.equal(iwa.authorizations.length, 2, 'the probe and the request, nothing more');
		},
	],
	[
		'a 401 with only Basic and Bearer challenges: a warning naming them, anonymous',
		async evidence => {
			fakeKerberos(false);
			const iwa = new FakeIwaSite(ORIGIN);
			iwa.offer = ['Basic realm="ArcGIS"', 'Bearer realm="ArcGIS"'];
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', CANARY_PASSWORD);
			evidence.handlers.push(auth);
			await evidence.failure(got(SERVICES, {hooks: auth.hooks}));
			assert.match(evidence.warnings[0]?.message ?? '', /neither Negotiate nor NTLM \(it offers basic, bearer\)/);
			assert.ok(iwa.authorizations.every(header => header === undefined));
		},
	],
	...(
		[
			['bad base64', 'not*base64', /not base64/],
			['truncated', type2Message({truncateTo: 30}), /not an NTLM Type 2|truncated/],
			['a wrong signature', Buffer.from('BADSIGN\0'.padEnd(60, '\0')).toString('base64'), /not an NTLM Type 2/],
		] as const
	).map(([what, challenge, pattern]): Case => [
		`a malformed NTLM Type 2 (${what}): WEB_TIER_FAILED, connection discarded, not kept`,
		async evidence => {
			fakeKerberos(false);
			const iwa = new FakeIwaSite(ORIGIN);
			iwa.type2 = challenge;
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', CANARY_PASSWORD);
			evidence.handlers.push(auth);
			expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks})), 'WEB_TIER_FAILED', pattern);
			iwa.type2 = type2Message();
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
		},
	]),
	[
		'a wrong NTLM password: one handshake, WEB_TIER_FAILED kept',
		async evidence => {
			fakeKerberos(false);
			const iwa = new FakeIwaSite(ORIGIN);
			iwa.acceptType3 = false;
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', CANARY_PASSWORD);
			evidence.handlers.push(auth);
			for (let index = 0; index < 3; index++) {
				expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks})), 'WEB_TIER_FAILED', /rejected/);
			}

			assert.equal(iwa.handshakes, 1);
		},
	],
	[
		'Kerberos step failing without NTLM to fall back on: WEB_TIER_FAILED naming the cause',
		async evidence => {
			const kerberos = fakeKerberos();
			kerberos.first = () => {
				throw new Error('Minor code may provide more information (No Kerberos credentials available)');
			};

			new FakeIwaSite(ORIGIN);
			const auth = new ArcGISServerAuth();
			evidence.handlers.push(auth);
			expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks})), 'WEB_TIER_FAILED', /no usable Kerberos ticket/);
		},
	],
	[
		'Kerberos mutual authentication with a forged server token: WEB_TIER_FAILED',
		async evidence => {
			fakeKerberos();
			const iwa = new FakeIwaSite(ORIGIN);
			iwa.mutualToken = 'forged';
			const auth = new ArcGISServerAuth();
			evidence.handlers.push(auth);
			expectCode(await evidence.failure(got(SERVICES, {hooks: auth.hooks})), 'WEB_TIER_FAILED', /mutual authentication failed/);
		},
	],
];

/** Faults that need real sockets. */
const socketCases: Case[] = [
	[
		"the connection reset mid-body: got's error, the token hidden, the next request fine",
		async evidence => {
			let calls = 0;
			const server = await listenTokenSite('socket', response => {
				if (++calls === 1) {
					response.writeHead(200, {'content-length': '1000'});
					response.write('{"services": [');
					setTimeout(() => response.socket?.destroy(), 20);
				} else {
					response.end('{"services": []}');
				}
			});
			try {
				const s = createSession({auth: serverAuth(evidence)});
				const error = await evidence.failure(s.get(`${server.url}/arcgis/rest/services?f=json`, {retry: {limit: 0}}));
				assert.ok(error instanceof RequestError && !(error instanceof TokenAuthenticationError));
				assert.deepEqual(await s.get(`${server.url}/arcgis/rest/services?f=json`).json(), {services: []});
			} finally {
				await server.close();
			}
		},
	],
	[
		'rest/info accepts the connection and never answers: NETWORK_ERROR at callTimeout, the connection closed',
		async evidence => {
			const sockets = new Set<Socket>();
			const server = await listen(createServer(request => request.resume()).on('connection', socket => sockets.add(socket.once('close', () => sockets.delete(socket)))));
			try {
				const error = await evidence.failure(got(`${server.url}/arcgis/rest/services?f=json`, {hooks: serverAuth(evidence, {callTimeout: 300}).hooks, retry: {limit: 0}}));
				expectCode(error, 'NETWORK_ERROR', /rest\/info\?f=json: Timeout awaiting 'request' for 300ms/);
				await new Promise(resolve => setTimeout(resolve, 50));
				assert.equal(sockets.size, 0);
			} finally {
				await server.close();
			}
		},
	],
	[
		'generateToken hangs for one request while another waits with its own timeout: the waiter leaves at its own time',
		async evidence => {
			// generateToken (and everything else) never answers.
			const server = await listenTokenService(() => undefined);
			try {
				const auth = serverAuth(evidence, {callTimeout: 1500});
				const url = `${server.url}/arcgis/rest/services?f=json`;
				const first = evidence.failure(got(url, {hooks: auth.hooks, retry: {limit: 0}}));
				const second = await evidence.failure(got(url, {hooks: auth.hooks, retry: {limit: 0}, timeout: {request: 200}}));
				expectCode(second, 'NETWORK_ERROR', /^ArcGISServerTokenAuth: Timeout waiting for a token/);
				expectCode(await first, 'NETWORK_ERROR', /generateToken: Timeout awaiting 'request' for 1500ms/);
			} finally {
				await server.close();
			}
		},
	],
	[
		"a resource that never answers, the token in the query: got's TimeoutError, the token taken off it",
		async evidence => {
			const server = await listenTokenSite('hang', () => undefined);
			try {
				const error = await evidence.failure(got(`${server.url}/arcgis/rest/services?f=json`, {hooks: serverAuth(evidence, {tokenIn: 'query'}).hooks, retry: {limit: 0}, timeout: {request: 300}}));
				assert.ok(error instanceof TimeoutError);
			} finally {
				await server.close();
			}
		},
	],
	[
		'generateToken answers a gzip bomb: TOKEN_SERVICE_ERROR at 1 MiB, the heap barely moves',
		async evidence => {
			const server = await listenTokenService(response => {
				response.writeHead(200, {'content-type': 'application/json', 'content-encoding': 'gzip'});
				const zip = createGzip({level: 1});
				zip.pipe(response);
				zip.write(`{"token":"${CANARY_TOKEN}-bomb`);
				const spaces = Buffer.alloc(1024 * 1024, ' ');
				let left = 128;
				const more = () => {
					while (left-- > 0) {
						if (!zip.write(spaces)) {
							zip.once('drain', more);
							return;
						}
					}

					zip.end('"}');
				};

				more();
				response.once('close', () => zip.destroy());
			});
			try {
				const before = process.memoryUsage().rss;
				const error = await evidence.failure(got(`${server.url}/arcgis/rest/services?f=json`, {hooks: serverAuth(evidence).hooks, retry: {limit: 0}}));
				expectCode(error, 'TOKEN_SERVICE_ERROR', /answered more than 1 MiB/);
				assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
			} finally {
				await server.close();
			}
		},
	],
	[
		'a 50 MB response: not parsed for errors, the heap barely moves',
		async evidence => {
			const chunk = Buffer.from(`{"error":{"code":498},"pad":"${'x'.repeat(1024 * 1024 - 40)}`);
			const server = await listenTokenSite('big', response => {
				response.writeHead(200, {'content-type': 'application/json', 'content-length': String(chunk.length * 50)});
				for (let index = 0; index < 50; index++) {
					response.write(chunk);
				}

				response.end();
			});
			try {
				const auth = serverAuth(evidence);
				const parse = sinon.spy(JSON, 'parse');
				const before = process.memoryUsage().heapUsed;
				const response = await got(`${server.url}/arcgis/rest/services?f=json`, {hooks: auth.hooks, responseType: 'buffer'});
				const grown = process.memoryUsage().heapUsed - before;
				const parsedBig = parse.getCalls().some(call => typeof call.args[0] === 'string' && call.args[0].length > 1024 * 1024);
				parse.restore();
				assert.equal(response.rawBody.length, chunk.length * 50);
				assert.equal(parsedBig, false, 'the 50 MB body was parsed');
				assert.ok(grown < 30 * 1024 * 1024, `heap grew ${Math.round(grown / 1e6)} MB`);
			} finally {
				await server.close();
			}
		},
	],
];

async function listen(server: Server): Promise<{url: string; close: () => Promise<void>}> {
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		async close() {
			server.closeAllConnections();
			await new Promise<void>(resolve => server.close(() => resolve()));
		},
	};
}

/** A real server whose rest/info says it uses tokens; everything else (generateToken first) is answered by `answer`. */
async function listenTokenService(answer: (response: ServerResponse) => void): Promise<{url: string; close: () => Promise<void>}> {
	return listen(
		createServer((request, response) => {
			request.resume();
			if ((request.url ?? '').startsWith('/arcgis/rest/info')) {
				response.end(JSON.stringify({authInfo: {isTokenBasedSecurity: true}}));
				return;
			}

			answer(response);
		}),
	);
}

/** A real ArcGIS-shaped site with token security: info and tokens answered, resources by `resource`. */
async function listenTokenSite(name: string, resource: (response: ServerResponse) => void): Promise<{url: string; close: () => Promise<void>}> {
	return listen(
		createServer((request, response) => {
			request.resume();
			request.on('end', () => {
				const path = request.url ?? '';
				if (path.startsWith('/arcgis/rest/info')) {
					response.end(JSON.stringify({authInfo: {isTokenBasedSecurity: true}}));
				} else if (path.startsWith('/arcgis/tokens')) {
					response.end(JSON.stringify({token: `${CANARY_TOKEN}-${name}`, expires: Date.now() + 3_600_000}));
				} else {
					resource(response);
				}
			});
		}),
	);
}

describe('fault catalogue (each case: a named fault, its exact outcome, and no canary in any output)', () => {
	describe('protocol faults (nock)', () => {
		useNock();
		afterEach(() => {
			sinon.restore();
			forgetKerberosModule();
		});
		for (const [name, run] of [...cases, ...webTierCases]) {
			it(name, async () => {
				await withEvidence(run);
			});
		}
	});

	describe('socket faults (real local servers)', () => {
		before(() => {
			nock.restore();
		});
		after(() => {
			nock.activate();
		});
		for (const [name, run] of socketCases) {
			it(name, async () => {
				await withEvidence(run);
			});
		}
	});
});
