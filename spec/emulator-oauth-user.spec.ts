import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {setTimeout as delay} from 'node:timers/promises';
import got, {type Got} from 'got';
import type {Emulator} from '../lib/emulator/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

const http: Got = got.extend({throwHttpErrors: false, retry: {limit: 0}, followRedirect: false});
const OOB = 'urn:ietf:wg:oauth:2.0:oob';
const LOOPBACK = 'http://127.0.0.1:53124/callback';
const VERIFIER = 'a-verifier-of-forty-three-characters-or-more-0123456789';
const S256 = createHash('sha256').update(VERIFIER).digest('base64url');

type Answer = {access_token?: string; expires_in?: number; username?: string; ssl?: boolean; refresh_token?: string; refresh_token_expires_in?: number; error?: Record<string, unknown>};

const errorOf = (description: string, code = 400) => ({error: {code, error: 'invalid_request', error_description: description, message: description, details: []}});

/** GET authorize: the status, the page, and the oAuthInfo literal parsed as JSON (undefined when there is none). */
async function authorizePage(emulator: Emulator, query: Record<string, string> = {}) {
	const response = await http(`${emulator.portalUrl}/sharing/rest/oauth2/authorize`, {searchParams: {client_id: 'demo-app', response_type: 'code', redirect_uri: OOB, ...query}});
	const literal = /var oAuthInfo = (\{.*\});/.exec(response.body)?.[1];
	return {status: response.statusCode, type: response.headers['content-type'], html: response.body, info: literal === undefined ? undefined : (JSON.parse(literal) as Record<string, unknown>)};
}

async function signIn(emulator: Emulator, oauthState: string, password = 'demo1234', path = '/sharing/oauth2/signin') {
	return http.post(`${emulator.portalUrl}${path}`, {form: {oauth_state: oauthState, username: 'demo', password}});
}

/** The whole browser leg: authorize, sign in; the code (from the OOB page or the redirect) and what the sign-in answered. */
async function codeFor(emulator: Emulator, query: Record<string, string> = {}) {
	const {info} = await authorizePage(emulator, query);
	const response = await signIn(emulator, String(info!['oauth_state']));
	const code = response.statusCode === 302 ? new URL(response.headers.location!).searchParams.get('code') : /<input[^>]*id="code"[^>]*value="([^"]+)"/.exec(response.body)?.[1];
	assert.ok(code, response.body);
	return {code, response};
}

async function token(emulator: Emulator, form: Record<string, string>): Promise<Answer> {
	const response = await http.post(`${emulator.portalUrl}/sharing/rest/oauth2/token`, {form: {f: 'json', client_id: 'demo-app', ...form}});
	assert.equal(response.statusCode, 200);
	assert.equal(response.headers['content-type'], 'text/plain;charset=utf-8');
	return JSON.parse(response.body) as Answer;
}

async function login(emulator: Emulator, query: Record<string, string> = {}): Promise<Answer> {
	const {code} = await codeFor(emulator, {code_challenge: S256, code_challenge_method: 'S256', ...query});
	const answer = await token(emulator, {grant_type: 'authorization_code', code, redirect_uri: query.redirect_uri ?? OOB, code_verifier: VERIFIER});
	assert.ok(answer.access_token && answer.refresh_token, JSON.stringify(answer));
	return answer;
}

/** The user portals/self names for a token (undefined when none), and the error code community/self gives (200 when none). */
async function userOf(emulator: Emulator, accessToken: string | undefined) {
	const self = await http(`${emulator.portalUrl}/sharing/rest/portals/self`, {searchParams: {f: 'json', token: accessToken}}).json<{user?: {username: string}}>();
	const community = await http(`${emulator.portalUrl}/sharing/rest/community/self`, {searchParams: {f: 'json', token: accessToken}}).json<{error?: {code: number}}>();
	return {user: self.user?.username, community: community.error?.code ?? 200};
}

describe("the emulator's OAuth 2.0 for users (authorize, sign-in, code, refresh, revoke)", () => {
	withoutNock();
	const emu = useEmulator({}, {each: true});

	it('serves a sign-in page with a parseable oAuthInfo literal and the built-in login form', async () => {
		const page = await authorizePage(emu, {state: 'xyz', locale: 'de'});
		assert.equal(page.status, 200);
		assert.match(page.type!, /^text\/html/);
		assert.ok(page.info, 'var oAuthInfo = {…}; is there');
		assert.equal(typeof page.info['oauth_state'], 'string');
		assert.ok(String(page.info['oauth_state']).length >= 32, 'an unguessable oauth_state');
		assert.equal(page.info['clientId'], 'demo-app');
		assert.equal(page.info['appTitle'], 'demo-app');
		assert.equal(page.info['redirectUri'], OOB);
		assert.equal(page.info['locale'], 'de');
		assert.equal(page.info['federationInfo'], undefined, 'a built-in-login org');
		assert.match(page.html, /<form[^>]*method="post"[^>]*action="\/portal\/sharing\/oauth2\/signin"/);
		for (const name of ['oauth_state', 'username', 'password']) {
			assert.match(page.html, new RegExp(`<input[^>]*name="${name}"`));
		}

		assert.notEqual((await authorizePage(emu)).info!['oauth_state'], page.info['oauth_state']);
		assert.equal(emu.stats.counts['portal.oauth2.authorize'], 2);
	});

	it('answers a bad client id, an unregistered redirect URI or another response type with an HTTP 400 page, never a redirect', async () => {
		const client = await authorizePage(emu, {client_id: 'nobody'});
		assert.equal(client.status, 400);
		assert.match(client.html, /Invalid client_id/);
		assert.equal(client.info, undefined);
		for (const redirect of ['https://evil.example/cb', 'http://127.0.0.1:8080/other', '']) {
			const page = await authorizePage(emu, {redirect_uri: redirect});
			assert.equal(page.status, 400, redirect);
			assert.match(page.html, /Invalid redirect_uri/);
		}

		assert.equal((await authorizePage(emu, {response_type: 'token'})).status, 400);
		assert.equal((await authorizePage(emu, {code_challenge: S256, code_challenge_method: 'S512'})).status, 400);
		assert.equal((await authorizePage(emu, {redirect_uri: LOOPBACK})).status, 200, 'a registered loopback URI on any port');
	});

	it('re-renders the page after a wrong password, counts the failure, and honours lockoutAfter', async () => {
		emu.setOptions({lockoutAfter: 2});
		const {info} = await authorizePage(emu);
		const oauthState = String(info!['oauth_state']);
		const wrong = await signIn(emu, oauthState, 'wrong');
		assert.equal(wrong.statusCode, 200);
		assert.match(wrong.body, /Invalid username or password\./);
		assert.match(wrong.body, /OAUTH_0015/);
		assert.match(wrong.body, /var oAuthInfo = /);
		assert.equal(emu.stats.failedLogins, 1);
		await signIn(emu, oauthState, 'wrong');
		const locked = await signIn(emu, oauthState);
		assert.match(locked.body, /Too many invalid attempts/, 'locked even with the right password');
		assert.equal(emu.stats.failedLogins, 3);
		emu.setOptions({lockoutAfter: 0});
		const unknown = await signIn(emu, 'made-up-state');
		assert.equal(unknown.statusCode, 400);
		assert.doesNotMatch(unknown.body, /SUCCESS/);
	});

	it('shows the code on the OOB page (title, heading, input#code), at either sign-in path; the oauth_state is spent', async () => {
		for (const path of ['/sharing/oauth2/signin', '/sharing/rest/oauth2/signin']) {
			const {info} = await authorizePage(emu);
			const response = await signIn(emu, String(info!['oauth_state']), 'demo1234', path);
			assert.equal(response.statusCode, 200, path);
			const code = /<input[^>]*id="code"[^>]*value="([^"]+)"/.exec(response.body)?.[1];
			assert.ok(code);
			assert.ok(response.body.includes(`<title>SUCCESS code=${code}</title>`));
			assert.match(response.body, /OAuth2 Approval/);
			assert.match(response.body, /Please copy this code, switch to your application and paste it there:/);
			assert.equal((await signIn(emu, String(info!['oauth_state']))).statusCode, 400, 'one sign-in per oauth_state');
		}

		assert.equal(emu.stats.counts['portal.oauth2.signin'], 4);
	});

	it('redirects (302) a loopback sign-in to redirect_uri with code and state, and without state when none was given', async () => {
		const {response} = await codeFor(emu, {redirect_uri: LOOPBACK, state: 'st&ate'});
		assert.equal(response.statusCode, 302);
		const target = new URL(response.headers.location!);
		assert.equal(`${target.origin}${target.pathname}`, LOOPBACK);
		assert.equal(target.searchParams.get('state'), 'st&ate');
		const bare = new URL((await codeFor(emu, {redirect_uri: LOOPBACK})).response.headers.location!);
		assert.deepEqual([...bare.searchParams.keys()], ['code']);
	});

	it('exchanges a code with an S256 or plain verifier for an access token (30 min) and a refresh token (2 weeks, or per expiration)', async () => {
		const answer = await login(emu);
		assert.deepEqual(Object.keys(answer).sort(), ['access_token', 'expires_in', 'refresh_token', 'refresh_token_expires_in', 'ssl', 'username']);
		assert.equal(answer.expires_in, 1800);
		assert.equal(answer.refresh_token_expires_in, 20_160 * 60);
		assert.equal(answer.username, 'demo');
		assert.equal(answer.ssl, false);
		assert.equal((await login(emu, {expiration: '-1'})).refresh_token_expires_in, 129_600 * 60);
		assert.equal((await login(emu, {expiration: '60'})).refresh_token_expires_in, 3600);
		const {code} = await codeFor(emu, {code_challenge: 'plain-verifier-text', code_challenge_method: 'plain', redirect_uri: LOOPBACK});
		const plain = await token(emu, {grant_type: 'authorization_code', code, redirect_uri: LOOPBACK, code_verifier: 'plain-verifier-text'});
		assert.ok(plain.access_token, JSON.stringify(plain));
		assert.equal(emu.stats.counts['portal.oauth2.token.authorization_code'], 4);
	});

	it('refuses a reused, tampered or expired code, a wrong or missing verifier and another redirect_uri', async () => {
		const withS256 = {code_challenge: S256, code_challenge_method: 'S256'};
		const exchange = async (code: string, form: Record<string, string> = {}) => token(emu, {grant_type: 'authorization_code', code, redirect_uri: OOB, code_verifier: VERIFIER, ...form});
		const {code} = await codeFor(emu, withS256);
		assert.deepEqual(await exchange(`${code.slice(0, -1)}${code.endsWith('A') ? 'B' : 'A'}`), errorOf('Invalid authorization code'));
		assert.ok((await exchange(code)).access_token);
		assert.deepEqual(await exchange(code), errorOf('Invalid authorization code'), 'single use');
		assert.deepEqual(await exchange((await codeFor(emu, withS256)).code, {code_verifier: 'wrong'}), errorOf('Invalid code_verifier'));
		assert.deepEqual(await exchange((await codeFor(emu, withS256)).code, {code_verifier: ''}), errorOf('Invalid code_verifier'));
		assert.deepEqual(await exchange((await codeFor(emu, withS256)).code, {redirect_uri: LOOPBACK}), errorOf('Invalid redirect_uri'));
		assert.deepEqual(await exchange((await codeFor(emu, withS256)).code, {client_id: 'other'}), {
			error: {code: 400, error: 'invalid_client_id', error_description: 'Invalid client_id', message: 'Invalid client_id', details: []},
		});
		emu.setOptions({oauthCodeSeconds: 0.05});
		const late = (await codeFor(emu, withS256)).code;
		await delay(80);
		assert.deepEqual(await exchange(late), errorOf('Invalid authorization code'), 'expired');
	});

	it('refresh_token: a new access token, no new refresh token; the refresh token is never an access token', async () => {
		const first = await login(emu);
		const answer = await token(emu, {grant_type: 'refresh_token', refresh_token: first.refresh_token!});
		assert.deepEqual(Object.keys(answer).sort(), ['access_token', 'expires_in', 'ssl', 'username']);
		assert.notEqual(answer.access_token, first.access_token);
		assert.ok((await token(emu, {grant_type: 'refresh_token', refresh_token: first.refresh_token!})).access_token, 'kept');
		assert.deepEqual(await userOf(emu, first.refresh_token), {user: undefined, community: 498});
		assert.deepEqual(await token(emu, {grant_type: 'refresh_token', refresh_token: 'made-up'}), errorOf('Invalid refresh_token', 498));
		assert.deepEqual(await token(emu, {grant_type: 'refresh_token'}), errorOf('refresh_token not specified'));
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], 4);
	});

	it('exchange_refresh_token: a new refresh token and access token, the old refresh token dead; redirect_uri required', async () => {
		const first = await login(emu);
		assert.deepEqual(await token(emu, {grant_type: 'exchange_refresh_token', refresh_token: first.refresh_token!}), errorOf('redirect_uri not specified'));
		assert.deepEqual(await token(emu, {grant_type: 'exchange_refresh_token', refresh_token: first.refresh_token!, redirect_uri: 'https://evil.example/'}), errorOf('Invalid redirect_uri'));
		const exchanged = await token(emu, {grant_type: 'exchange_refresh_token', refresh_token: first.refresh_token!, redirect_uri: OOB});
		assert.deepEqual(Object.keys(exchanged).sort(), ['access_token', 'expires_in', 'refresh_token', 'refresh_token_expires_in', 'ssl', 'username']);
		assert.notEqual(exchanged.refresh_token, first.refresh_token);
		assert.equal(exchanged.refresh_token_expires_in, 20_160 * 60);
		assert.deepEqual(await token(emu, {grant_type: 'refresh_token', refresh_token: first.refresh_token!}), errorOf('Invalid refresh_token', 498));
		assert.ok((await token(emu, {grant_type: 'refresh_token', refresh_token: exchanged.refresh_token!})).access_token);
	});

	it('says "refresh_token expired" (498) once a short-lived refresh token is past its time', async () => {
		emu.setOptions({oauthRefreshTokenSeconds: 0.1, oauthAccessTokenSeconds: 0.1});
		const answer = await login(emu);
		assert.equal(answer.refresh_token_expires_in, 1);
		assert.equal(answer.expires_in, 1);
		await delay(150);
		assert.deepEqual(await token(emu, {grant_type: 'refresh_token', refresh_token: answer.refresh_token!}), errorOf('refresh_token expired', 498));
		assert.deepEqual(await token(emu, {grant_type: 'exchange_refresh_token', refresh_token: answer.refresh_token!, redirect_uri: OOB}), errorOf('refresh_token expired', 498));
		assert.equal((await userOf(emu, answer.access_token)).community, 498, 'the access token expired too');
	});

	it('revokeToken: a refresh token goes with its access tokens; an access token alone; success for anything', async () => {
		const revoke = async (authToken: string, clientId = 'demo-app') =>
			http.post(`${emu.portalUrl}/sharing/rest/oauth2/revokeToken`, {form: {f: 'json', client_id: clientId, auth_token: authToken}}).json<Record<string, unknown>>();
		const first = await login(emu);
		const refreshed = (await token(emu, {grant_type: 'refresh_token', refresh_token: first.refresh_token!})).access_token;
		const other = await login(emu);
		assert.deepEqual(await revoke(other.access_token!), {success: true});
		assert.deepEqual(await userOf(emu, other.access_token), {user: undefined, community: 498});
		assert.ok((await token(emu, {grant_type: 'refresh_token', refresh_token: other.refresh_token!})).access_token, 'revoking an access token keeps the refresh token');
		assert.deepEqual(await userOf(emu, first.access_token), {user: 'demo', community: 200});
		assert.deepEqual(await revoke(first.refresh_token!), {success: true});
		assert.deepEqual(await token(emu, {grant_type: 'refresh_token', refresh_token: first.refresh_token!}), errorOf('Invalid refresh_token', 498));
		assert.equal((await userOf(emu, first.access_token)).community, 498);
		assert.equal((await userOf(emu, refreshed)).community, 498);
		assert.deepEqual(await revoke('made-up'), {success: true});
		assert.deepEqual((await revoke('made-up', 'nobody'))['error'], {code: 400, error: 'invalid_client_id', error_description: 'Invalid client_id', message: 'Invalid client_id', details: []});
		assert.equal(emu.stats.counts['portal.oauth2.revokeToken'], 4);
	});

	it("takes the user's access token as a portal token of that user: portals/self, community/self, the federation exchange", async () => {
		const answer = await login(emu);
		assert.deepEqual(await userOf(emu, answer.access_token), {user: 'demo', community: 200});
		const exchanged = await http.post(`${emu.portalUrl}/sharing/rest/generateToken`, {form: {f: 'json', token: answer.access_token!, serverUrl: emu.federatedServerUrls[0]!}}).json<{token?: string}>();
		assert.ok(exchanged.token, JSON.stringify(exchanged));
		const services = await http(`${emu.federatedServerUrls[0]!}/rest/services`, {searchParams: {f: 'json', token: exchanged.token}}).json<{error?: unknown}>();
		assert.equal(services.error, undefined);
		assert.ok(emu.stats.log.some(entry => entry.tokenKind === 'oauth'));
	});

	it('keeps every password, code, verifier and token out of the stats and the log', async () => {
		const {code} = await codeFor(emu, {code_challenge: S256, code_challenge_method: 'S256', redirect_uri: LOOPBACK, state: 'the-state'});
		const answer = await token(emu, {grant_type: 'authorization_code', code, redirect_uri: LOOPBACK, code_verifier: VERIFIER});
		const exchanged = await token(emu, {grant_type: 'exchange_refresh_token', refresh_token: answer.refresh_token!, redirect_uri: LOOPBACK});
		await http.post(`${emu.portalUrl}/sharing/rest/oauth2/revokeToken`, {form: {client_id: 'demo-app', auth_token: exchanged.refresh_token!}});
		const seen = JSON.stringify({counts: emu.stats.counts, log: emu.stats.log});
		for (const secret of ['demo1234', code, VERIFIER, S256, answer.access_token!, answer.refresh_token!, exchanged.access_token!, exchanged.refresh_token!]) {
			assert.ok(!seen.includes(secret), 'a secret in the stats or the log');
		}

		assert.ok(emu.stats.log.some(entry => entry.path === '/portal/sharing/oauth2/signin'));
	});
});
