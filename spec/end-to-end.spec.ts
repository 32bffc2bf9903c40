import assert from 'node:assert/strict';
import got from 'got';
import sinon from 'sinon';
import {ArcGISPortalTokenAuth, ArcGISServerAuth, ArcGISServerTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {startEmulator} from '../lib/emulator/index.js';
import {forgetKerberosModule, kerberosLoader} from '../lib/web-tier/kerberos.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';
import {captureWarnings} from './helpers/warnings.js';

describe('the handlers against the emulator (real sockets)', () => {
	withoutNock();
	const emu = useEmulator({}, {each: true});
	afterEach(() => {
		sinon.restore();
		forgetKerberosModule();
	});

	it('lists services and queries a layer with a referer-bound token', async () => {
		const s = createSession({auth: new ArcGISServerTokenAuth('demo', 'demo1234')});
		const catalog = await s.get(`${emu.serverUrl}/rest/services?f=json`).json<{services: unknown[]}>();
		assert.equal(catalog.services.length, 2);
		const query = await s.get(`${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`, {searchParams: {where: '1=1', outFields: '*', f: 'json'}}).json<{features: unknown[]}>();
		assert.equal(query.features.length, 5);
		assert.equal(emu.stats.tokenCalls, 1);
		assert.deepEqual(
			emu.stats.log.filter(entry => entry.path.includes('/rest/services')).map(entry => [entry.method, entry.tokenIn, entry.referer]),
			[
				['POST', 'body', 'got-arcgis-auth'],
				['POST', 'body', 'got-arcgis-auth'],
			],
		);
	});

	for (const errorsAs of ['json', 'status'] as const) {
		it(`recovers from a revocation with one refresh (errors as ${errorsAs})`, async () => {
			emu.setOptions({errorsAs});
			const s = createSession({auth: new ArcGISServerTokenAuth('demo', 'demo1234')});
			await s.get(`${emu.serverUrl}/rest/services?f=json`);
			emu.revokeAllTokens();
			const catalog = await s.get(`${emu.serverUrl}/rest/services?f=json`).json<{services?: unknown[]}>();
			assert.ok(catalog.services);
			assert.equal(emu.stats.tokenCalls, 2);
		});
	}

	it('stops and starts a service through the admin API, with an admin token in the POST body', async () => {
		const s = createSession({auth: new ArcGISServerTokenAuth('demo', 'demo1234')});
		const service = `${emu.serverUrl}/admin/services/SampleWorldCities.MapServer`;
		assert.deepEqual(await s.post(`${service}/stop`, {form: {f: 'json'}}).json(), {status: 'success'});
		assert.deepEqual(await s.get(`${service}/status?f=json`).json(), {configuredState: 'STOPPED', realTimeState: 'STOPPED'});
		assert.equal(emu.stats.counts['admin.generateToken'], 1);
		assert.equal(emu.stats.counts['server.generateToken'], undefined);
	});

	it("hands the admin API's second 499 to the caller when the token is put where it does not look", async () => {
		const s = createSession({auth: new ArcGISServerTokenAuth('demo', 'demo1234', {tokenIn: 'query'})});
		const body = await s.post(`${emu.serverUrl}/admin/services/SampleWorldCities.MapServer/stop`, {form: {f: 'json'}}).json<{code: number}>();
		assert.equal(body.code, 499);
		assert.equal(emu.stats.tokenCalls, 2, 'one refresh, then the answer as it is');
	});

	it('works as a portal admin: community/self and a role change', async () => {
		const s = createSession({auth: new ArcGISPortalTokenAuth('demo', 'demo1234')});
		assert.equal((await s.get(`${emu.portalUrl}/sharing/rest/community/self?f=json`).json<{username: string}>()).username, 'demo');
		assert.deepEqual(await s.post(`${emu.portalUrl}/sharing/rest/portals/self/updateUserRole`, {form: {user: 'demo', role: 'org_user', f: 'json'}}).json(), {success: true, username: 'demo'});
		assert.equal((await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{user: {role: string}}>()).user.role, 'org_user');
	});

	it('follows a same-origin 301 with the token, and drops it on a 307 to another origin', async () => {
		const other = await startEmulator();
		try {
			const s = createSession({auth: new ArcGISServerTokenAuth('demo', 'demo1234')});
			const folder = `${emu.serverUrl}/rest/services/Hosted/?f=json`;
			// The site is known from a first request (a /redirect/ URL is not an ArcGIS site of its own).
			await s.get(`${emu.serverUrl}/rest/services?f=json`);
			assert.ok((await s.get(`${emu.url}/redirect/301?to=${encodeURIComponent(folder)}`).json<{services?: unknown}>()).services);
			await s.get(`${emu.url}/redirect/307?to=${encodeURIComponent(`${other.serverUrl}/rest/services?f=json`)}`, {throwHttpErrors: false});
			assert.deepEqual(
				other.stats.log.map(entry => entry.tokenIn),
				[null],
			);
		} finally {
			await other.close();
		}
	});

	it('keeps short-lived tokens alive with at most one call per half lifetime', async () => {
		emu.setOptions({tokenLifetimeSeconds: 1});
		const s = createSession({auth: new ArcGISServerTokenAuth('demo', 'demo1234')});
		const until = Date.now() + 1600;
		let requests = 0;
		while (Date.now() < until) {
			assert.ok((await s.get(`${emu.serverUrl}/rest/services?f=json`).json<{services?: unknown}>()).services);
			requests++;
		}

		assert.ok(requests > 20);
		assert.ok(emu.stats.tokenCalls <= 5, `${emu.stats.tokenCalls} token calls`);
	});

	it('shows token-handler users the way to web-tier sites, and warns general-handler users what is missing', async () => {
		emu.setOptions({webTier: 'negotiate-ntlm'});
		await assert.rejects(
			got(`${emu.serverUrl}/rest/services?f=json`, {hooks: new ArcGISServerTokenAuth('demo', 'demo1234').hooks}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'DISCOVERY_FAILED' && /Use ArcGISServerAuth/.test(error.message),
		);
		sinon.stub(kerberosLoader, 'load').rejects(new Error('not installed'));
		const warnings = await captureWarnings(async () => {
			const response = await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: new ArcGISServerAuth().hooks, throwHttpErrors: false});
			assert.equal(response.statusCode, 401);
		});
		assert.match(warnings[0]?.message ?? '', /kerberos.*username and password/);
	});
});
