import assert from 'node:assert/strict';
import got from 'got';
import type {Emulator} from '../lib/emulator/index.js';
import {ArcGISPortalOAuthAuth} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';
import {MemoryStore} from './helpers/memory-store.js';

const OOB = 'urn:ietf:wg:oauth:2.0:oob';
const http = got.extend({throwHttpErrors: false, retry: {limit: 0}, followRedirect: false});

/** A person's sign-in at the emulator, as a browser would make it: the refresh token it ends with. */
async function refreshTokenOf(emulator: Emulator): Promise<string> {
	const page = await http(`${emulator.portalUrl}/sharing/rest/oauth2/authorize`, {searchParams: {client_id: 'demo-app', response_type: 'code', redirect_uri: OOB}});
	const info = JSON.parse(/var oAuthInfo = (\{.*\});/.exec(page.body)![1]!) as {oauth_state: string};
	const signedIn = await http.post(`${emulator.portalUrl}/sharing/oauth2/signin`, {form: {oauth_state: info.oauth_state, username: 'demo', password: 'demo1234'}});
	const code = /<input[^>]*id="code"[^>]*value="([^"]+)"/.exec(signedIn.body)![1]!;
	const answer = await http
		.post(`${emulator.portalUrl}/sharing/rest/oauth2/token`, {form: {f: 'json', client_id: 'demo-app', grant_type: 'authorization_code', code, redirect_uri: OOB}})
		.json<{refresh_token: string}>();
	return answer.refresh_token;
}

describe('option store with ArcGISPortalOAuthAuth: a fleet shares access tokens and the renewed refresh token', () => {
	withoutNock();
	const emu = useEmulator({oauthAccessTokenSeconds: 4}, {each: true});
	const self = () => `${emu.portalUrl}/sharing/rest/portals/self?f=json`;
	const user = async (auth: ArcGISPortalOAuthAuth) => (await got(self(), {hooks: auth.hooks, retry: {limit: 0}}).json<{user?: {username: string}}>()).user?.username;

	it('makes 4 handlers started from one sign-in ask for one access token', async () => {
		const refreshToken = await refreshTokenOf(emu);
		const store = new MemoryStore();
		const fleet = Array.from({length: 4}, () => new ArcGISPortalOAuthAuth('demo-app', {portal: emu.portalUrl, refreshToken, store}));
		assert.deepEqual(await Promise.all(fleet.map(user)), ['demo', 'demo', 'demo', 'demo']);
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], 1);
		assert.deepEqual(store.keys('state'), [], 'no renewal, nothing more to share');
	});

	it('hands a refresh token one process renewed (the old one is dead) to the process that logs in next', async function () {
		this.timeout(20_000);
		const refreshToken = await refreshTokenOf(emu);
		const store = new MemoryStore();
		// Less than a day left: every access-token call renews the refresh token (exchange_refresh_token).
		const options = {portal: emu.portalUrl, refreshToken, refreshTokenExpires: new Date(Date.now() + 3_600_000), store};
		const first = new ArcGISPortalOAuthAuth('demo-app', options);
		const second = new ArcGISPortalOAuthAuth('demo-app', options);
		assert.equal(await user(first), 'demo');
		assert.equal(emu.stats.counts['portal.oauth2.token.exchange_refresh_token'], 1);
		assert.notEqual(first.refreshToken, refreshToken);
		assert.equal(store.keys('state').length, 1);
		// The shared access token is due after half of its 4 s: the second handler logs in for the
		// fleet, and only the renewed refresh token still works.
		await new Promise(resolve => setTimeout(resolve, 2500));
		const before = emu.stats.counts['portal.oauth2.token.refresh_token'] ?? 0;
		assert.equal(await user(second), 'demo');
		assert.equal(second.refreshToken, first.refreshToken, 'the second adopted the renewed refresh token');
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], before + 1);
		assert.equal(emu.stats.counts['portal.oauth2.token.exchange_refresh_token'], 1, 'the renewal now lives two weeks: no second one');
		assert.equal(await user(first), 'demo', 'the first takes the stored access token');
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], before + 1);
	});
});
