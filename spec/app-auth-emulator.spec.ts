import assert from 'node:assert/strict';
import {ArcGISAppAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

const DEMO_APP = 'demo-app';
const DEMO_SECRET = 'demo-app-secret-1';

describe('ArcGISAppAuth against the emulator (its oauth2/token and app tokens)', () => {
	withoutNock();
	const emu = useEmulator({federatedServers: ['hosting', 'imagery']}, {each: true});

	it('signs the app in at the portal: portals/self answers with the app, one token call', async () => {
		const auth = new ArcGISAppAuth(DEMO_APP, DEMO_SECRET, {portal: emu.portalUrl});
		const s = createSession({auth});
		const self = await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{appInfo?: {appId: string}; user?: unknown}>();
		assert.equal(self.appInfo?.appId, DEMO_APP);
		assert.equal(self.user, undefined, 'an app token has no user');
		assert.equal(emu.stats.counts['portal.oauth2.token.client_credentials'], 1);
		assert.ok(auth.expires && auth.expires.getTime() > Date.now() + 60_000, 'the two-hour default, read from expires_in (seconds)');
	});

	it('gets a server token for the app token from each federated server, through the portal', async () => {
		const s = createSession({auth: new ArcGISAppAuth(DEMO_APP, DEMO_SECRET, {portal: emu.portalUrl})});
		for (const root of emu.federatedServerUrls) {
			assert.equal((await s.get(`${root}/rest/services?f=json`).json<{services?: unknown[]}>()).services?.length, 2);
		}

		assert.equal(emu.stats.counts['portal.oauth2.token.client_credentials'], 1, 'one app token for both servers');
		const served = emu.stats.log.filter(entry => entry.path.endsWith('/rest/services'));
		assert.deepEqual(
			served.map(entry => entry.tokenKind),
			['federated', 'federated'],
		);
	});

	it('a server not federated with the portal gets nothing: NOT_FEDERATED, the app token never sent there', async () => {
		const s = createSession({auth: new ArcGISAppAuth(DEMO_APP, DEMO_SECRET, {portal: emu.portalUrl})});
		await assert.rejects(s.get(`${emu.serverUrl}/rest/services?f=json`), (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'NOT_FEDERATED');
		assert.ok(emu.stats.log.every(entry => entry.path !== '/arcgis/rest/services' || entry.tokenIn === null));
	});

	it('a revoked app token is replaced once, and the request succeeds', async () => {
		const s = createSession({auth: new ArcGISAppAuth(DEMO_APP, DEMO_SECRET)});
		const self = `${emu.portalUrl}/sharing/rest/portals/self?f=json`;
		await s.get(self);
		emu.revokeAllTokens();
		const hosting = `${emu.federatedServerUrls[0]!}/rest/services?f=json`;
		assert.equal((await s.get(hosting).json<{services?: unknown[]}>()).services?.length, 2);
		assert.equal(emu.stats.counts['portal.oauth2.token.client_credentials'], 2);
	});

	it('a wrong secret is OAUTH_ERROR from the emulator, once for 10 concurrent requests', async () => {
		const s = createSession({auth: new ArcGISAppAuth(DEMO_APP, 'not-the-secret')});
		const results = await Promise.allSettled(Array.from({length: 10}, async () => s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`)));
		assert.ok(
			results.every(
				result => result.status === 'rejected' && result.reason instanceof TokenAuthenticationError && result.reason.code === 'OAUTH_ERROR' && /Invalid client_secret/.test(result.reason.message),
			),
		);
		assert.equal(emu.stats.counts['portal.oauth2.token'], 1);
	});
});
