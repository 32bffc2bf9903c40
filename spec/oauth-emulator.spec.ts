import assert from 'node:assert/strict';
import got from 'got';
import {ArcGISPortalOAuthAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

const APP = 'demo-app';

/** A person at the browser: opens the authorize page, signs in on its form, and returns what the portal answered. */
async function signInAtPortal(authorizeUrl: string, password = 'demo1234') {
	const page = await got(authorizeUrl).text();
	const info = JSON.parse(/var oAuthInfo = (\{.*?\});/.exec(page)![1]!) as {oauth_state: string};
	const action = new URL(/<form[^>]*action="([^"]+)"/.exec(page)![1]!, authorizeUrl);
	return got.post(action, {form: {oauth_state: info.oauth_state, username: 'demo', password}, followRedirect: false, throwHttpErrors: false});
}

describe('OAuth sign-in end to end, against the emulator’s portal', () => {
	withoutNock();
	const emu = useEmulator({federatedServers: ['hosting']}, {each: true});

	it('out of band: the person signs in, pastes the code; the session serves the portal and a federated server', async () => {
		let code = '';
		const auth = await ArcGISPortalOAuthAuth.signIn(APP, {
			portal: emu.portalUrl,
			open: async url => {
				const approval = await signInAtPortal(url);
				code = /id="code"[^>]*value="([^"]+)"/.exec(approval.body)![1]!;
			},
			readCode: () => code,
		});
		const s = createSession({auth});
		const self = await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{user?: {username: string}}>();
		assert.equal(self.user?.username, 'demo');
		assert.equal(auth.username, 'demo');
		assert.equal((await s.get(`${emu.federatedServerUrls[0]!}/rest/services?f=json`).json<{services?: unknown[]}>()).services?.length, 2);
		assert.equal(emu.stats.counts['portal.oauth2.token.authorization_code'], 1);
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], undefined, 'the sign-in’s access token served the first request');
		assert.ok(auth.refreshTokenExpires && auth.refreshTokenExpires.getTime() > Date.now() + 13 * 86_400_000, 'two weeks, from refresh_token_expires_in');
	});

	it('loopback: the browser comes back to the listener with the code; a reused code is refused by the portal as OAUTH_ERROR', async () => {
		let location = '';
		const auth = await ArcGISPortalOAuthAuth.signIn(APP, {
			portal: emu.portalUrl,
			redirectUri: 'http://127.0.0.1/callback',
			open: async url => {
				const answer = await signInAtPortal(url);
				assert.equal(answer.statusCode, 302);
				location = answer.headers.location!;
				await got(location);
			},
		});
		assert.equal((await got(`${emu.portalUrl}/sharing/rest/community/self?f=json`, {hooks: auth.hooks}).json<{username: string}>()).username, 'demo');
		// The same code again (a replayed callback): the emulator spends codes once.
		const code = new URL(location).searchParams.get('code')!;
		await assert.rejects(
			ArcGISPortalOAuthAuth.signIn(APP, {portal: emu.portalUrl, open: () => undefined, readCode: () => code}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'OAUTH_ERROR' && !error.message.includes(code),
		);
	});

	it('refreshes 30-minute access tokens (short here), and a revoked sign-in is SIGN_IN_REQUIRED after one attempt', async () => {
		emu.setOptions({oauthAccessTokenSeconds: 1});
		let code = '';
		const auth = await ArcGISPortalOAuthAuth.signIn(APP, {
			portal: emu.portalUrl,
			open: async url => {
				code = /id="code"[^>]*value="([^"]+)"/.exec((await signInAtPortal(url)).body)![1]!;
			},
			readCode: () => code,
		});
		const s = createSession({auth});
		await s.get(`${emu.portalUrl}/sharing/rest/community/self?f=json`);
		await new Promise(resolve => setTimeout(resolve, 600));
		await s.get(`${emu.portalUrl}/sharing/rest/community/self?f=json`);
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], 1);
		await auth.signOut();
		assert.equal(emu.stats.counts['portal.oauth2.revokeToken'], 1);
		// Another handler from the revoked refresh token: the portal refuses it, once for 10 requests.
		const stale = createSession({auth: new ArcGISPortalOAuthAuth(APP, {portal: emu.portalUrl, refreshToken: auth.refreshToken})});
		const results = await Promise.allSettled(Array.from({length: 10}, async () => stale.get(`${emu.portalUrl}/sharing/rest/community/self?f=json`)));
		assert.ok(results.every(result => result.status === 'rejected' && result.reason instanceof TokenAuthenticationError && result.reason.code === 'SIGN_IN_REQUIRED'));
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], 2);
	});
});
