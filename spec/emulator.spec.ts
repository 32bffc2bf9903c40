import assert from 'node:assert/strict';
import {Agent} from 'node:http';
import got, {type Got} from 'got';
import {startEmulator, type Emulator} from '../lib/emulator/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

const http: Got = got.extend({throwHttpErrors: false, retry: {limit: 0}, responseType: 'json'});
const login = (emulator: Emulator, form: Record<string, string> = {}, path = '/arcgis/tokens/generateToken') =>
	http.post(`${emulator.url}${path}`, {form: {username: 'demo', password: 'demo1234', client: 'referer', referer: 'spec', f: 'json', ...form}}).json<Record<string, unknown>>();

describe('the emulator', () => {
	withoutNock();
	const emu = useEmulator({}, {each: true});

	it('listens on 127.0.0.1 and refuses other hosts', async () => {
		assert.match(emu.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		assert.equal(emu.serverUrl, `${emu.url}/arcgis`);
		assert.equal(emu.portalUrl, `${emu.url}/portal`);
		await assert.rejects(startEmulator({host: '0.0.0.0'}), /loopback/);
	});

	it('hosts one federated server by default, and checks the federation and PKI switches', async () => {
		assert.deepEqual(emu.federatedServerUrls, [`${emu.url}/hosting`]);
		assert.equal(emu.clientCertificate, undefined);
		await assert.rejects(startEmulator({clientCertificates: true}), /needs https: true/);
		for (const federatedServers of [['arcgis'], ['Upper'], ['a', 'a'], 'hosting']) {
			await assert.rejects(startEmulator({federatedServers: federatedServers as string[]}), /federatedServers/);
		}
	});

	it('answers rest/info with the token service, also in its trailing-slash style', async () => {
		const info = await http(`${emu.serverUrl}/rest/info?f=json`).json<{authInfo: {isTokenBasedSecurity: boolean; tokenServicesUrl: string}}>();
		assert.deepEqual(info.authInfo, {isTokenBasedSecurity: true, tokenServicesUrl: `${emu.url}/arcgis/tokens/generateToken`, shortLivedTokenValidity: 60});
		emu.setOptions({tokenServicesUrlStyle: 'trailing-slash'});
		const slash = await http(`${emu.serverUrl}/rest/info?f=json`).json<{authInfo: {tokenServicesUrl: string}}>();
		assert.equal(slash.authInfo.tokenServicesUrl, `${emu.url}/arcgis/tokens/`);
		assert.equal(typeof (await login(emu, {}, '/arcgis/tokens/')).token, 'string');
	});

	it('issues tokens with a numeric expires, and admin tokens with a string expires', async () => {
		const server = await login(emu, {expiration: '5'});
		assert.equal(typeof server.expires, 'number');
		assert.ok(Math.abs((server.expires as number) - Date.now() - 300_000) < 5000, 'expiration in minutes honoured');
		assert.equal(server.ssl, false);
		const admin = await login(emu, {}, '/arcgis/admin/generateToken');
		assert.equal(typeof admin.expires, 'string');
		assert.match(admin.expires as string, /^\d+$/);
		const portal = await login(emu, {}, '/portal/sharing/rest/generateToken');
		assert.equal(typeof portal.expires, 'number');
	});

	it('refuses wrong passwords, credentials in the query, and client=referer without a referer, as ArcGIS does', async () => {
		assert.deepEqual(await login(emu, {password: 'nope'}), {error: {code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.']}});
		const query = await http.post(`${emu.url}/arcgis/tokens/generateToken?username=demo&password=demo1234`, {form: {f: 'json'}}).json<{error: {code: number; details: string}}>();
		assert.equal(query.error.code, 405);
		assert.match(query.error.details, /should not contain username and password in the query string/);
		const noReferer = await http.post(`${emu.url}/arcgis/tokens/generateToken`, {form: {username: 'demo', password: 'demo1234', client: 'referer', f: 'json'}}).json<{error: {code: number}}>();
		assert.equal(noReferer.error.code, 400);
		assert.equal(emu.stats.failedLogins, 1);
		assert.equal(emu.stats.tokenCalls, 3);
	});

	it('locks a user after N failed logins, even with the right password afterwards', async () => {
		emu.setOptions({lockoutAfter: 2});
		await login(emu, {password: 'x'});
		await login(emu, {password: 'y'});
		const locked = await login(emu);
		assert.match(JSON.stringify(locked), /Too many invalid logon attempts/);
	});

	it('accepts a token in the query, the form body or X-Esri-Authorization, and logs where it came', async () => {
		const {token} = emu.issueToken('demo');
		const services = `${emu.serverUrl}/rest/services`;
		assert.equal((await http(`${services}?f=json&token=${token}`).json<{services: unknown[]}>()).services.length, 2);
		assert.equal((await http.post(services, {form: {f: 'json', token}}).json<{services: unknown[]}>()).services.length, 2);
		assert.equal((await http(`${services}?f=json`, {headers: {'x-esri-authorization': `Bearer ${token}`}}).json<{services: unknown[]}>()).services.length, 2);
		assert.deepEqual(
			emu.stats.log.map(entry => entry.tokenIn),
			['query', 'body', 'header'],
		);
		assert.ok(!JSON.stringify(emu.stats.log).includes(token), 'no token in the log');
	});

	it('answers 499 without a token and 498 after revocation, as JSON in HTTP 200 or as HTTP status', async () => {
		const {token} = emu.issueToken();
		const services = `${emu.serverUrl}/rest/services?f=json`;
		const missing = await http(services);
		assert.equal(missing.statusCode, 200);
		assert.deepEqual(missing.body, {error: {code: 499, messageCode: 'GWM_0003', message: 'Token Required', details: []}});
		emu.revokeAllTokens();
		assert.deepEqual((await http(`${services}&token=${token}`)).body, {error: {code: 498, message: 'Invalid token.', details: []}});
		emu.setOptions({errorsAs: 'status'});
		assert.equal((await http(`${services}&token=${token}`)).statusCode, 498);
		assert.equal((await http(services)).statusCode, 499);
	});

	it('binds client=referer tokens to their Referer', async () => {
		const {token} = (await login(emu, {referer: 'my-app'})) as {token: string};
		const services = `${emu.serverUrl}/rest/services?f=json&token=${token}`;
		assert.ok((await http(services, {headers: {referer: 'my-app'}}).json<{services?: unknown}>()).services);
		assert.equal((await http(services).json<{error?: {code: number}}>()).error?.code, 498);
		emu.setOptions({refererBound: false});
		assert.ok((await http(services).json<{services?: unknown}>()).services);
	});

	it('expires tokens', async () => {
		const {token} = emu.issueToken('demo', {lifetimeSeconds: 0.2});
		await new Promise(resolve => setTimeout(resolve, 300));
		assert.equal((await http(`${emu.serverUrl}/rest/services?f=json&token=${token}`).json<{error?: {code: number}}>()).error?.code, 498);
	});

	it('serves a feature layer query', async () => {
		const {token} = emu.issueToken();
		const layer = `${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`;
		const all = await http(layer, {searchParams: {where: '1=1', outFields: '*', f: 'json', token}}).json<{features: Array<{attributes: {NAME: string}}>}>();
		assert.equal(all.features.length, 5);
		assert.equal(all.features[0]?.attributes.NAME, 'Zürich');
		assert.deepEqual(await http(layer, {searchParams: {where: '1=1', returnCountOnly: 'true', f: 'json', token}}).json(), {count: 5});
		assert.equal((await http(layer, {searchParams: {where: '1=1', resultRecordCount: 2, f: 'json', token}}).json<{features: unknown[]}>()).features.length, 2);
	});

	it('runs admin operations with the token in the POST body, and answers the admin 499 shape otherwise', async () => {
		const {token} = (await login(emu, {}, '/arcgis/admin/generateToken')) as {token: string};
		const service = `${emu.serverUrl}/admin/services/SampleWorldCities.MapServer`;
		const headers = {referer: 'spec'};
		assert.deepEqual((await http.post(`${service}/stop`, {form: {f: 'json', token}, headers})).body, {status: 'success'});
		assert.deepEqual((await http.post(`${service}/status`, {form: {f: 'json', token}, headers})).body, {configuredState: 'STOPPED', realTimeState: 'STOPPED'});
		await http.post(`${service}/start`, {form: {f: 'json', token}, headers});
		assert.deepEqual((await http.post(`${service}/status`, {form: {f: 'json', token}, headers})).body, {configuredState: 'STARTED', realTimeState: 'STARTED'});
		const inQuery = await http.post(`${service}/stop?token=${token}`, {form: {f: 'json'}, headers});
		assert.deepEqual(inQuery.body, {status: 'error', messages: ["Unauthorized access. Token not found. You can generate a token using the 'generateToken' operation."], code: 499});
	});

	it('exchanges a portal token for a server token bound to one federated server', async () => {
		emu.setOptions({federatedServers: ['hosting', 'imagery']});
		const [hosting, imagery] = emu.federatedServerUrls;
		const info = await http(`${hosting}/rest/info?f=json`).json<{owningSystemUrl: string; authInfo: {tokenServicesUrl: string}}>();
		assert.equal(info.owningSystemUrl, emu.portalUrl);
		assert.equal(info.authInfo.tokenServicesUrl, `${emu.portalUrl}/sharing/rest/generateToken`);
		const portal = (await login(emu, {}, '/portal/sharing/rest/generateToken')) as {token: string};
		const exchange = async (form: Record<string, string>) =>
			http.post(`${emu.portalUrl}/sharing/rest/generateToken`, {form: {f: 'json', ...form}, headers: {referer: 'spec'}}).json<{token?: string; error?: {code: number; details: string[]}}>();
		const server = await exchange({token: portal.token, serverUrl: `${hosting}/`});
		const query = async (root: string | undefined, token: string | undefined) =>
			(await http(`${root}/rest/services?f=json&token=${token}`).json<{services?: unknown; error?: {code: number}}>()).error?.code ?? 200;
		assert.equal(await query(hosting, server.token), 200);
		assert.equal(await query(imagery, server.token), 498, 'a server token is good for its own server only');
		assert.equal(await query(hosting, portal.token), 498, 'a federated server refuses the portal token itself');
		assert.match((await exchange({serverUrl: hosting!})).error?.details[0] ?? '', /Unable to get 'token'/);
		assert.equal((await exchange({token: 'revoked-or-made-up', serverUrl: hosting!})).error?.code, 498, 'an invalid portal token is a 498, to be refreshed');
		assert.match((await exchange({token: portal.token, serverUrl: emu.serverUrl})).error?.details[0] ?? '', /not a server federated/, 'the standalone server is not federated');
	});

	it('answers portals/self anonymously without user, and with user for a valid token; community/self needs a token', async () => {
		assert.equal((await http(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{user?: unknown}>()).user, undefined);
		const {token} = emu.issueToken();
		assert.deepEqual((await http(`${emu.portalUrl}/sharing/rest/portals/self?f=json&token=${token}`).json<{user?: unknown}>()).user, {username: 'demo', role: 'org_admin'});
		assert.equal((await http(`${emu.portalUrl}/sharing/rest/community/self?f=json`).json<{error: {code: number}}>()).error.code, 499);
		assert.equal((await http(`${emu.portalUrl}/sharing/rest/community/self?f=json&token=${token}`).json<{username: string}>()).username, 'demo');
	});

	it("changes a user's role through the portal admin API", async () => {
		const {token} = emu.issueToken();
		await http.post(`${emu.portalUrl}/sharing/rest/portals/self/updateUserRole`, {form: {user: 'demo', role: 'org_publisher', f: 'json', token}});
		assert.equal((await http(`${emu.portalUrl}/sharing/rest/community/users/demo?f=json&token=${token}`).json<{role: string}>()).role, 'org_publisher');
	});

	it('redirects with /redirect/<status>?to=', async () => {
		const away = await http(`${emu.url}/redirect/307?to=${encodeURIComponent('https://elsewhere.example/x')}`, {followRedirect: false});
		assert.equal(away.statusCode, 307);
		assert.equal(away.headers.location, 'https://elsewhere.example/x');
	});

	it('answers unknown routes with a 404 ArcGIS error', async () => {
		const response = await http(`${emu.url}/nope`);
		assert.equal(response.statusCode, 404);
		assert.deepEqual(response.body, {error: {code: 404, message: 'Not Found', details: []}});
	});

	it('in web-tier mode, answers 401 with two WWW-Authenticate headers, as IIS does', async () => {
		emu.setOptions({webTier: 'negotiate-ntlm'});
		const response = await http(`${emu.serverUrl}/rest/info?f=json`);
		assert.equal(response.statusCode, 401);
		assert.deepEqual(response.headersDistinct['www-authenticate'], ['Negotiate', 'NTLM']);
	});

	it('answers ssl: true for an HTTPS-only organisation, in generateToken and portals/self', async () => {
		emu.setOptions({ssl: true});
		assert.equal((await login(emu)).ssl, true);
		assert.equal((await http(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{allSSL: boolean}>()).allSSL, true);
	});

	it('takes its users from the users option', async () => {
		const custom = await startEmulator({users: {alice: 'alice-secret-1'}});
		try {
			assert.equal(typeof (await login(custom, {username: 'alice', password: 'alice-secret-1'})).token, 'string');
			assert.ok((await login(custom)).error, 'the default user is gone');
		} finally {
			await custom.close();
		}
	});

	it('adds latency to every answer', async () => {
		emu.setOptions({latencyMs: 150});
		const started = performance.now();
		await http(`${emu.serverUrl}/rest/info?f=json`);
		assert.ok(performance.now() - started >= 140);
	});

	it('refuses bodies over 1 MiB with 413', async () => {
		const response = await http.post(`${emu.serverUrl}/rest/services`, {body: 'x'.repeat(1024 * 1024 + 1), headers: {'content-type': 'text/plain'}});
		assert.equal(response.statusCode, 413);
	});

	it('counts per endpoint and keeps no secret in its log', async () => {
		await login(emu, {password: 'not-the-password-1'});
		await http(`${emu.serverUrl}/rest/info?f=json`);
		assert.equal(emu.stats.counts['server.generateToken'], 1);
		assert.equal(emu.stats.counts['server.info'], 1);
		assert.ok(!JSON.stringify(emu.stats).includes('not-the-password-1'));
		emu.resetStats();
		assert.equal(emu.stats.tokenCalls, 0);
		assert.deepEqual(emu.stats.log, []);
	});

	it('closes promptly with a keep-alive connection open', async () => {
		const own = await startEmulator();
		const agent = new Agent({keepAlive: true});
		await http(`${own.serverUrl}/rest/info?f=json`, {agent: {http: agent}});
		const started = Date.now();
		await own.close();
		assert.ok(Date.now() - started < 1000);
		agent.destroy();
	});
});
