import assert from 'node:assert/strict';
import got from 'got';
import {ArcGISServerTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

describe('the emulator over HTTPS', () => {
	withoutNock();
	const emu = useEmulator({https: true});
	beforeEach(() => {
		emu.resetStats();
	});

	it('serves HTTPS with a certificate made at start, and a plain-http side that redirects to it', async () => {
		assert.match(emu.url, /^https:\/\/127\.0\.0\.1:\d+$/);
		assert.match(emu.certificate ?? '', /^-----BEGIN CERTIFICATE-----/);
		assert.match(emu.httpUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
		const info = await got(`${emu.serverUrl}/rest/info?f=json`, {https: {certificateAuthority: emu.certificate}}).json<{authInfo: {tokenServicesUrl: string}}>();
		assert.equal(info.authInfo.tokenServicesUrl, `${emu.url}/arcgis/tokens/generateToken`);
		const redirect = await got(`${emu.httpUrl}/arcgis/rest/info?f=json`, {followRedirect: false});
		assert.equal(redirect.statusCode, 301);
		assert.equal(redirect.headers.location, `${emu.url}/arcgis/rest/info?f=json`);
	});

	it('is refused by a verifying client that was not told to trust it', async () => {
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
		await assert.rejects(got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}), (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'NETWORK_ERROR');
	});

	it('carries the token across the http→https upgrade to another port (6080 → 6443)', async () => {
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {verify: false});
		const s = createSession({auth, verify: false});
		const body = await s.get(`${emu.httpUrl}/arcgis/rest/services?f=json`).json<{services?: unknown[]}>();
		assert.equal(body.services?.length, 2);
		// rest/info and the request went through the redirect; the token service is advertised as https.
		assert.equal(emu.stats.counts['redirect.upgrade'], 2);
		const served = emu.stats.log.filter(entry => entry.path === '/arcgis/rest/services');
		assert.deepEqual(
			served.map(entry => [entry.method, entry.tokenIn]),
			[['POST', 'body']],
		);
	});
});
