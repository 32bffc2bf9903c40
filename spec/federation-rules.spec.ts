import assert from 'node:assert/strict';
import fc from 'fast-check';
import got from 'got';
import sinon from 'sinon';
import {ArcGISPortalAuth, ArcGISPortalTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {isHostedByOnline, isOwnedBy, onlineEnvironment, portalRootFrom} from '../lib/federation/owning-system.js';
import {serverRootOf} from '../lib/site/site-root.js';
import {FakeIwaSite, fakeKerberos} from './helpers/fake-iwa.js';
import {FakeSite, useNock} from './helpers/fake-site.js';

describe('owningSystemUrl matching', () => {
	const portal = 'https://gis.example.com/portal';
	const same = [
		'https://gis.example.com/portal',
		'http://gis.example.com/portal',
		'https://GIS.Example.com/Portal/',
		'https://gis.example.com:443/portal//',
		'https://gis.example.com/portal/sharing/rest',
		'https://gis.example.com/portal/sharing/',
		' https://gis.example.com/portal ',
	];
	const other = [
		'https://gis.example.com/portal2',
		'https://gis.example.com/port',
		'https://gis.example.com',
		'https://gis.example.com:7443/portal',
		'https://gis.example.com.evil.test/portal',
		'https://evil.test/gis.example.com/portal',
		'ftp://gis.example.com/portal',
		'not a url',
		'',
	];
	for (const owner of same) {
		it(`takes ${JSON.stringify(owner)} as ${portal}`, () => {
			assert.equal(isOwnedBy(owner, portal), true);
		});
	}

	for (const owner of other) {
		it(`does not take ${JSON.stringify(owner)} as ${portal}`, () => {
			assert.equal(isOwnedBy(owner, portal), false);
		});
	}

	it('takes www.arcgis.com and an organisation URL as one system, within one ArcGIS Online environment only', () => {
		assert.equal(isOwnedBy('https://www.arcgis.com', 'https://myorg.maps.arcgis.com'), true);
		assert.equal(isOwnedBy('http://myorg.maps.arcgis.com/', 'https://www.arcgis.com'), true);
		assert.equal(isOwnedBy('https://devext.arcgis.com', 'https://myorg.mapsdevext.arcgis.com'), true);
		assert.equal(isOwnedBy('https://www.arcgis.com', 'https://myorg.mapsdevext.arcgis.com'), false);
		assert.equal(isOwnedBy('https://www.arcgis.com', 'https://gis.example.com/portal'), false);
		assert.equal(isOwnedBy('https://gis.example.com/portal', 'https://www.arcgis.com'), false);
		assert.equal(isOwnedBy('https://arcgis.com.evil.test', 'https://www.arcgis.com'), false);
	});

	it('knows ArcGIS Online environments by host', () => {
		assert.deepEqual(
			[
				'www.arcgis.com',
				'myorg.maps.arcgis.com',
				'services3.arcgis.com',
				'devext.arcgis.com',
				'myorg.mapsdevext.arcgis.com',
				'qaext.arcgis.com',
				'myorg.mapsqa.arcgis.com',
				'arcgis.com.evil.test',
				'gis.example.com',
			].map(host => onlineEnvironment(host)),
			['production', 'production', 'production', 'dev', 'dev', 'qa', 'qa', undefined, undefined],
		);
		assert.equal(isHostedByOnline('https://services3.arcgis.com/ORG/arcgis', 'https://myorg.maps.arcgis.com'), true);
		assert.equal(isHostedByOnline('https://services3.arcgis.com/ORG/arcgis', 'https://myorg.mapsdevext.arcgis.com'), false);
		assert.equal(isHostedByOnline('https://gis.example.com/server', 'https://www.arcgis.com'), false);
	});

	it('is exact after normalising: a case, scheme or slash variant of the portal always matches, a changed path never', () => {
		const segment = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
		fc.assert(
			fc.property(fc.array(segment, {minLength: 1, maxLength: 3}), segment, fc.boolean(), fc.boolean(), (path, extra, upper, http) => {
				const root = `https://gis.example.com/${path.join('/')}`;
				let variant = `${http ? 'http' : 'https'}://gis.example.com/${path.join('/')}/`;
				variant = upper ? variant.toUpperCase().replace(/^HTTPS?/, http ? 'http' : 'https') : variant;
				assert.equal(isOwnedBy(variant, root), true, `${variant} is ${root}`);
				assert.equal(isOwnedBy(`${root}/${extra}`, root), false, 'a longer path is another system');
				assert.equal(isOwnedBy(`${root}${extra}`, root), false, 'a longer name is another system');
			}),
		);
	});

	it('turns an owner into a portal root, taking https when the server was reached over https', () => {
		assert.equal(portalRootFrom('http://gis.example.com/portal/', new URL('https://gis.example.com/server')), 'https://gis.example.com/portal');
		assert.equal(portalRootFrom('http://127.0.0.1:8080/portal', new URL('http://127.0.0.1:8080/server')), 'http://127.0.0.1:8080/portal');
		assert.equal(portalRootFrom('https://myorg.maps.arcgis.com/sharing/rest', new URL('https://services3.arcgis.com/ORG/arcgis')), 'https://myorg.maps.arcgis.com');
		assert.equal(portalRootFrom('javascript:alert(1)', new URL('https://gis.example.com/server')), undefined);
	});

	it('tells server URLs from portal URLs', () => {
		assert.equal(serverRootOf(new URL('https://h/server/rest/services?f=json')), 'https://h/server');
		assert.equal(serverRootOf(new URL('https://h/arcgis/admin/services')), 'https://h/arcgis');
		assert.equal(serverRootOf(new URL('https://services3.arcgis.com/ORG/arcgis/rest/services/x/FeatureServer/0')), 'https://services3.arcgis.com/ORG/arcgis');
		assert.equal(serverRootOf(new URL('https://h/portal/sharing/rest/portals/self')), undefined);
		assert.equal(serverRootOf(new URL('https://h/portal/home/index.html')), undefined);
		assert.equal(serverRootOf(new URL('https://h/portal/portaladmin/')), undefined);
	});
});

describe('federation decisions (nock)', () => {
	useNock();
	const PORTAL = 'https://gis.example.com';
	const portalOf = () => new FakeSite(PORTAL, {root: '/portal'});
	const serverAt = (origin: string, owner: string | undefined, tokenBased = true, root = '/server') => new FakeSite(origin, {root, tokenBased, ...(owner ? {owningSystemUrl: owner} : {})});

	it('sends nothing to a token-secured server federated with another portal: NOT_FEDERATED, naming both', async () => {
		const portal = portalOf();
		const server = serverAt('https://other.example.com', 'https://other.example.com/portal');
		const s = createSession({auth: new ArcGISPortalTokenAuth('alice', 'right-password')});
		await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
		await assert.rejects(
			s.get('https://other.example.com/server/rest/services?f=json'),
			(error: unknown) =>
				error instanceof TokenAuthenticationError &&
				error.code === 'NOT_FEDERATED' &&
				error.message.includes('https://other.example.com/portal') &&
				error.message.includes('https://gis.example.com/portal'),
		);
		assert.equal(server.resourceCalls.length, 0, 'nothing sent to the server');
		assert.equal(portal.tokenCalls, 1, 'no exchange asked for');
	});

	it('lets a request to a public server (no token security) go without any token, federated or not', async () => {
		portalOf();
		const server = serverAt('https://maps.example.com', undefined, false);
		const s = createSession({auth: new ArcGISPortalTokenAuth('alice', 'right-password')});
		await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
		await s.get('https://maps.example.com/server/rest/services?f=json');
		assert.deepEqual(
			server.resourceCalls.map(seen => [seen.method, seen.tokenIn]),
			[['GET', undefined]],
			'no token and no forced POST',
		);
	});

	it('fails with NOT_FEDERATED for a standalone token server when the first request goes there', async () => {
		const server = serverAt('https://gis.example.com', undefined);
		const auth = new ArcGISPortalTokenAuth('alice', 'right-password');
		await assert.rejects(
			got('https://gis.example.com/server/rest/services?f=json', {hooks: auth.hooks}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'NOT_FEDERATED',
		);
		assert.equal(server.tokenCalls, 0, 'no login at all');
		assert.equal(server.resourceCalls.length, 0);
	});

	it('hands the portal token as it is to ArcGIS Online hosting servers of the same environment, without a look-up', async () => {
		const org = new FakeSite('https://myorg.maps.arcgis.com', {root: ''});
		const hosted = new FakeSite('https://services3.arcgis.com', {root: '/ORG/arcgis'});
		const auth = new ArcGISPortalTokenAuth('alice', 'right-password');
		const s = createSession({auth});
		await s.get('https://myorg.maps.arcgis.com/sharing/rest/portals/self?f=json');
		hosted.valid.add(auth.token!);
		assert.deepEqual(await s.get('https://services3.arcgis.com/ORG/arcgis/rest/services/Parcels/FeatureServer/0/query?where=1%3D1&f=json').json(), {ok: true});
		assert.equal(org.tokenCalls, 1);
		assert.equal(hosted.infoCalls, 0);
		assert.equal(hosted.tokenCalls, 0);
		assert.equal(hosted.resourceCalls[0]?.token, auth.token);
	});

	it("keeps auth.token the portal's token after requests to a federated server; getToken(serverUrl) gives the server's", async () => {
		const portal = portalOf();
		const server = serverAt('https://server.example.com', `${PORTAL}/portal`);
		server.valid.clear();
		const auth = new ArcGISPortalTokenAuth('alice', 'right-password');
		const s = createSession({auth});
		await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
		const portalToken = auth.token;
		assert.ok(portalToken && portal.valid.has(portalToken));
		// The exchange answers from the portal's FakeSite: a server token, which the server must accept.
		const serverToken = await auth.getToken('https://server.example.com/server/rest/services');
		assert.ok(serverToken && serverToken !== portalToken);
		server.valid.add(serverToken);
		await s.get('https://server.example.com/server/rest/services?f=json');
		assert.equal(server.resourceCalls.at(-1)?.token, serverToken);
		assert.equal(auth.token, portalToken, 'auth.token is still the portal token');
	});

	it('two first requests to servers of two portals: the portal bound first wins, the other server gets nothing', async () => {
		const portals = ['https://a.example.com', 'https://b.example.com'].map(origin => new FakeSite(origin, {root: '/portal'}));
		const servers = ['https://a.example.com', 'https://b.example.com'].map(origin => serverAt(origin.replace('://', '://gis-'), `${origin}/portal`));
		for (const server of servers) {
			server.resource = () => ({status: 200, body: {ok: true}});
		}

		const s = createSession({auth: new ArcGISPortalTokenAuth('alice', 'right-password')});
		const results = await Promise.allSettled(['https://gis-a.example.com', 'https://gis-b.example.com'].map(async origin => s.get(`${origin}/server/rest/services?f=json`)));
		const failed = results.flatMap((result, index) => (result.status === 'rejected' ? [index] : []));
		assert.equal(failed.length, 1, 'exactly one of them fails');
		const [loser] = failed;
		assert.ok(results[loser!]!.status === 'rejected' && (results[loser!] as PromiseRejectedResult).reason instanceof TokenAuthenticationError, 'with a TokenAuthenticationError');
		assert.equal(((results[loser!] as PromiseRejectedResult).reason as TokenAuthenticationError).code, 'NOT_FEDERATED');
		assert.equal(portals[loser!]!.tokenCalls, 0, 'no login at the losing portal');
		assert.equal(servers[loser!]!.resourceCalls.length, 0, 'nothing sent to its server');
	});

	it('answers a server whose rest/info is behind the web tier with DISCOVERY_FAILED, naming the way out', async () => {
		portalOf();
		const server = serverAt('https://gis.example.com', undefined, true, '/iwa');
		server.infoReply = () => ({status: 401, body: '', headers: {'WWW-Authenticate': 'Negotiate'}});
		const s = createSession({auth: new ArcGISPortalTokenAuth('alice', 'right-password')});
		await s.get(`${PORTAL}/portal/sharing/rest/portals/self?f=json`);
		await assert.rejects(
			s.get('https://gis.example.com/iwa/rest/services?f=json'),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'DISCOVERY_FAILED' && /ArcGISServerAuth/.test(error.message),
		);
	});
});

describe('federation with a portal behind IWA (nock, NTLM)', () => {
	useNock();
	afterEach(() => {
		sinon.restore();
	});

	it('gets server tokens over the NTLM-authenticated connection, with no portal token, and sends them to the server alone', async () => {
		fakeKerberos(false);
		const portal = new FakeIwaSite('https://portal.example.com', path =>
			/generateToken/i.test(path) ? {token: 'server-token-1', expires: Date.now() + 3_600_000} : {owningSystemUrl: 'https://portal.example.com/portal', authInfo: {isTokenBasedSecurity: true}},
		);
		const server = new FakeSite('https://server.example.com', {root: '/server', owningSystemUrl: 'http://PORTAL.example.com/portal/'});
		server.valid.add('server-token-1');
		const s = createSession({auth: new ArcGISPortalAuth('EXAMPLE\\alice', 'pw', {tokenIn: 'header'})});
		await s.get('https://portal.example.com/portal/sharing/rest/portals/self?f=json');
		assert.deepEqual(await s.get('https://server.example.com/server/rest/services?f=json').json(), {ok: true});
		assert.equal(portal.handshakes, 1, 'one NTLM login for the portal and the exchange');
		assert.deepEqual(
			server.resourceCalls.map(seen => [seen.tokenIn, seen.token, seen.headers.authorization]),
			[['header', 'server-token-1', undefined]],
			'the server token in X-Esri-Authorization, and no NTLM header to the server',
		);
	});

	it('a server behind the same IWA host as the portal: Kerberos/NTLM authenticate it, as before federation', async () => {
		fakeKerberos(false);
		const site = new FakeIwaSite('https://iwa.example.com', path => (/\/info\?/.test(path) ? {authInfo: {isTokenBasedSecurity: true}} : {ok: true}));
		const s = createSession({auth: new ArcGISPortalAuth('EXAMPLE\\alice', 'pw')});
		assert.deepEqual(await s.get('https://iwa.example.com/server/rest/services?f=json').json(), {ok: true}, 'first request to the server');
		assert.deepEqual(await s.get('https://iwa.example.com/portal/sharing/rest/portals/self?f=json').json(), {ok: true});
		assert.deepEqual(await s.get('https://iwa.example.com/server/rest/services?f=json').json(), {ok: true});
		assert.equal(site.handshakes, 1);
	});
});
