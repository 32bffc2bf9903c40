import assert from 'node:assert/strict';
import got from 'got';
import sinon from 'sinon';
import {ArcGISPortalAuth, ArcGISPortalTokenAuth, ArcGISServerTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {fakeKerberos} from './helpers/fake-iwa.js';
import {withoutNock} from './helpers/local-site.js';

const SERVERS = ['hosting', 'imagery', 'raster'];
const services = (root: string) => `${root}/rest/services?f=json`;
const notFederated = (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'NOT_FEDERATED' && /ArcGISServerTokenAuth/.test(error.message);

describe('federated servers (portal token → server token), against the emulator', () => {
	withoutNock();
	const emu = useEmulator({federatedServers: SERVERS}, {each: true});
	afterEach(() => {
		sinon.restore();
	});

	const exchanges = () => Object.fromEntries(SERVERS.map(name => [name, emu.stats.counts[`federated.${name}.exchangeToken`] ?? 0]));

	it('three federated servers cost 1 portal token and 1 server token each, however many requests go to them at once', async () => {
		const s = createSession({auth: new ArcGISPortalTokenAuth('demo', 'demo1234')});
		await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json();
		const bodies = await Promise.all(emu.federatedServerUrls.flatMap(root => Array.from({length: 10}, async () => s.get(services(root)).json<{services?: unknown[]}>())));
		assert.ok(
			bodies.every(body => body.services?.length === 2),
			'every request to a federated server succeeded',
		);
		assert.equal(emu.stats.counts['portal.generateToken'], 1);
		assert.deepEqual(exchanges(), {hosting: 1, imagery: 1, raster: 1});
		assert.equal(emu.stats.tokenCalls, 4);
		// Each server saw only server tokens the portal minted for it; the portal token went to the portal alone.
		for (const name of SERVERS) {
			const kinds = new Set(emu.stats.log.filter(entry => entry.path.startsWith(`/${name}/rest/services`)).map(entry => entry.tokenKind));
			assert.deepEqual([...kinds], ['federated'], `${name} saw only its server token`);
		}

		assert.equal(emu.stats.counts['hosting.info'], 1, 'rest/info read once per server');
	});

	it('a 498 on one server refreshes only that server token, and the request succeeds', async () => {
		const s = createSession({auth: new ArcGISPortalTokenAuth('demo', 'demo1234')});
		for (const root of emu.federatedServerUrls) {
			await s.get(services(root)).json();
		}

		const [, imagery] = emu.federatedServerUrls;
		emu.revokeServerTokens(imagery!);
		for (const root of emu.federatedServerUrls) {
			assert.equal((await s.get(services(root)).json<{services?: unknown[]}>()).services?.length, 2);
		}

		assert.deepEqual(exchanges(), {hosting: 1, imagery: 2, raster: 1});
		assert.equal(emu.stats.counts['portal.generateToken'], 1, 'the portal token was kept');
	});

	it('a revoked portal token is refreshed during the exchange, not kept as a failure', async () => {
		const s = createSession({auth: new ArcGISPortalTokenAuth('demo', 'demo1234')});
		await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`);
		emu.revokeAllTokens();
		assert.equal((await s.get(services(emu.federatedServerUrls[0]!)).json<{services?: unknown[]}>()).services?.length, 2);
		assert.equal(emu.stats.counts['portal.generateToken'], 2);
		assert.equal(emu.stats.counts['portal.exchangeToken'], 2, 'one 498 answer, then a fresh exchange');
		assert.deepEqual(exchanges(), {hosting: 1, imagery: 0, raster: 0});
	});

	it('binds the portal a server names when the first request goes to the server', async () => {
		const auth = new ArcGISPortalTokenAuth('demo', 'demo1234');
		await got(services(emu.federatedServerUrls[0]!), {hooks: auth.hooks}).json();
		assert.equal(auth.site?.root, emu.portalUrl);
		assert.deepEqual(
			emu.stats.log.filter(entry => entry.method === 'POST' && /generateToken$/.test(entry.path)).map(entry => entry.tokenIn),
			[null, 'body'],
			'a login, then the exchange carrying the portal token',
		);
	});

	it('never sends the portal token to the standalone server, and says why', async () => {
		const s = createSession({auth: new ArcGISPortalTokenAuth('demo', 'demo1234')});
		await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`);
		await assert.rejects(s.get(services(emu.serverUrl)), notFederated);
		assert.equal(emu.stats.counts.services, undefined, 'the request was not sent');
		assert.ok(
			emu.stats.log.every(entry => entry.tokenKind !== 'portal' || entry.path.startsWith('/portal/')),
			'the portal token went nowhere but the portal',
		);
	});

	it('a server handler on a federated server logs in at the portal for a token for that server (serverUrl)', async () => {
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
		const [hosting] = emu.federatedServerUrls;
		assert.equal((await got(services(hosting!), {hooks: auth.hooks}).json<{services?: unknown[]}>()).services?.length, 2);
		assert.equal(emu.stats.counts['federated.hosting.login'], 1, 'one login, for a hosting server token');
		assert.equal(emu.stats.tokenCalls, 1);
	});

	it('sends server tokens per tokenIn, as X-Esri-Authorization when asked for the header', async () => {
		const auth = new ArcGISPortalTokenAuth('demo', 'demo1234', {tokenIn: 'header'});
		await got(services(emu.federatedServerUrls[1]!), {hooks: auth.hooks}).json();
		const served = emu.stats.log.filter(entry => entry.path === '/imagery/rest/services');
		assert.deepEqual(
			served.map(entry => [entry.tokenIn, entry.tokenKind]),
			[['header', 'federated']],
		);
	});

	it('a web-tier portal: server tokens come over the NTLM-authenticated connection, with no portal token', async () => {
		emu.setOptions({webTier: 'negotiate-ntlm'});
		// The emulator checks NTLM logins against the password (it cannot check Kerberos tickets).
		fakeKerberos(false);
		const s = createSession({auth: new ArcGISPortalAuth('demo', 'demo1234')});
		const self = await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{user?: {username: string}}>();
		assert.equal(self.user?.username, 'demo', 'the web tier signed the user in');
		for (const root of emu.federatedServerUrls) {
			assert.equal((await s.get(services(root)).json<{services?: unknown[]}>()).services?.length, 2);
		}

		assert.equal(emu.stats.counts['portal.generateToken'], undefined, 'no portal login');
		assert.deepEqual(exchanges(), {hosting: 1, imagery: 1, raster: 1});
		const exchangeCalls = emu.stats.log.filter(entry => entry.path === '/portal/sharing/rest/generateToken');
		assert.deepEqual(
			exchangeCalls.map(entry => [entry.status, entry.tokenIn]),
			[
				[200, null],
				[200, null],
				[200, null],
			],
			'no portal token on the exchange, and no 401: the connection stays signed in',
		);
		assert.equal(emu.stats.counts['webTier.ntlmChallenge'], 1, 'one NTLM handshake for the portal');
	});
});
