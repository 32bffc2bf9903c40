import assert from 'node:assert/strict';
import got, {type Got} from 'got';
import type {Emulator} from '../lib/emulator/index.js';
import {redirectUriAllowed} from '../lib/emulator/oauth-apps.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

const http: Got = got.extend({throwHttpErrors: false, retry: {limit: 0}});
const SECRET = 'demo-app-secret-1';

type TokenAnswer = {access_token?: string; expires_in?: number; error?: Record<string, unknown>};

/** A raw oauth2/token call: the answer's text, its content type, and the text parsed as JSON (ArcGIS says text/plain). */
async function oauthToken(emulator: Emulator, form: Record<string, string>, method: 'POST' | 'GET' = 'POST') {
	const url = `${emulator.portalUrl}/sharing/rest/oauth2/token`;
	const response = method === 'POST' ? await http.post(url, {form: {f: 'json', ...form}}) : await http(url, {searchParams: {f: 'json', ...form}});
	return {status: response.statusCode, type: response.headers['content-type'], body: JSON.parse(response.body) as TokenAnswer, text: response.body};
}

const appToken = async (emulator: Emulator, form: Record<string, string> = {}) => {
	const answer = await oauthToken(emulator, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET, ...form});
	assert.ok(answer.body.access_token, answer.text);
	return answer.body.access_token;
};

const errorOf = (error: string, description: string) => ({error: {code: 400, error, error_description: description, message: description, details: []}});

/** What a resource answers a token: its error code, or 200. */
async function codeOf(url: string, token: string | undefined): Promise<number> {
	const body = await http(url, {searchParams: {f: 'json', ...(token ? {token} : {})}}).json<{error?: {code: number}}>();
	return body.error?.code ?? 200;
}

describe("the emulator's OAuth 2.0 (client_credentials app tokens)", () => {
	withoutNock();
	const emu = useEmulator({}, {each: true});

	it('mints an app token for the demo app: text/plain JSON, expires_in in seconds, no token_type or refresh token', async () => {
		const answer = await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET});
		assert.equal(answer.status, 200);
		assert.equal(answer.type, 'text/plain;charset=utf-8');
		assert.deepEqual(Object.keys(answer.body).sort(), ['access_token', 'expires_in']);
		assert.equal(answer.body.expires_in, 7200, 'two hours by default');
		assert.equal(typeof answer.body.access_token, 'string');
		assert.equal(emu.stats.counts['portal.oauth2.token'], 1);
		assert.equal(emu.stats.counts['portal.oauth2.token.client_credentials'], 1);
		assert.equal(emu.stats.tokenCalls, 1);
	});

	it('honours expiration in minutes, at most 20160, then the oauthTokenLifetimeSeconds cap; GET works too', async () => {
		assert.equal((await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET, expiration: '5'})).body.expires_in, 300);
		assert.equal((await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET, expiration: '99999'})).body.expires_in, 20_160 * 60);
		assert.equal((await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET, expiration: '5'}, 'GET')).body.expires_in, 300);
		emu.setOptions({oauthTokenLifetimeSeconds: 90});
		assert.equal((await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET, expiration: '5'})).body.expires_in, 90);
		emu.setOptions({tokenLifetimeSeconds: 10});
		assert.equal((await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET})).body.expires_in, 90, 'tokenLifetimeSeconds caps generateToken only');
	});

	it('refuses an unknown client id, a wrong or missing secret, and a missing or unsupported grant, in HTTP 200 bodies', async () => {
		const bad = async (form: Record<string, string>) => {
			const answer = await oauthToken(emu, form);
			assert.equal(answer.status, 200);
			assert.equal(answer.type, 'text/plain;charset=utf-8');
			return answer.body;
		};

		assert.deepEqual(await bad({grant_type: 'client_credentials', client_id: 'nobody', client_secret: SECRET}), errorOf('invalid_client_id', 'Invalid client_id'));
		assert.deepEqual(await bad({grant_type: 'client_credentials', client_secret: SECRET}), errorOf('invalid_client_id', 'Invalid client_id'));
		assert.deepEqual(await bad({grant_type: 'client_credentials', client_id: 'demo-app', client_secret: 'wrong'}), errorOf('invalid_request', 'Invalid client_secret'));
		assert.deepEqual(await bad({grant_type: 'client_credentials', client_id: 'demo-app'}), errorOf('invalid_request', 'Invalid client_secret'));
		assert.deepEqual(await bad({client_id: 'demo-app', client_secret: SECRET}), errorOf('invalid_request', 'grant_type not specified'));
		assert.deepEqual(await bad({grant_type: 'password', client_id: 'demo-app', client_secret: SECRET}), errorOf('unsupported_grant_type', 'Unsupported grant_type'));
		assert.equal(emu.stats.failedLogins, 4);
		assert.equal(emu.stats.counts['portal.oauth2.token.unsupported'], 1);
	});

	it('takes its apps from the oauthApps option; an app without a secret gets no app token', async () => {
		emu.setOptions({oauthApps: {'my-app': {secret: 'my-secret-1'}, 'public-app': {}}});
		assert.ok(await appToken(emu, {client_id: 'my-app', client_secret: 'my-secret-1'}));
		assert.deepEqual((await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET})).body, errorOf('invalid_client_id', 'Invalid client_id'));
		assert.deepEqual((await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'public-app', client_secret: ''})).body, errorOf('invalid_request', 'Invalid client_secret'));
		assert.throws(() => emu.setOptions({oauthApps: {x: {secret: ''}}}), /oauthApps/);
	});

	it('lets the portal take the app token: portals/self with appInfo and no user; community/self answers 403', async () => {
		const token = await appToken(emu);
		const self = await http(`${emu.portalUrl}/sharing/rest/portals/self`, {searchParams: {f: 'json', token}}).json<{user?: unknown; appInfo?: {appId: string}}>();
		assert.equal(self.user, undefined);
		assert.equal(self.appInfo?.appId, 'demo-app');
		assert.equal((await http(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{appInfo?: unknown}>()).appInfo, undefined, 'anonymous: no appInfo');
		const community = await http(`${emu.portalUrl}/sharing/rest/community/self`, {searchParams: {f: 'json', token}}).json();
		assert.deepEqual(community, {error: {code: 403, messageCode: 'GWM_0003', message: 'You do not have permissions to access this resource or perform this operation.', details: []}});
		assert.equal(emu.stats.log.at(-1)?.tokenKind, 'app');
	});

	it('is refused by the standalone server and its admin API, and by a federated server as it is', async () => {
		const token = await appToken(emu);
		assert.equal(await codeOf(`${emu.serverUrl}/rest/services`, token), 498);
		const admin = await http.post(`${emu.serverUrl}/admin`, {form: {f: 'json', token}}).json<{code?: number}>();
		assert.equal(admin.code, 498);
		assert.equal(await codeOf(`${emu.federatedServerUrls[0]}/rest/services`, token), 498);
		assert.equal(await codeOf(`${emu.serverUrl}/rest/services`, emu.issueToken().token), 200, 'the same resource takes a server token');
	});

	it('exchanges the app token for a server token of a federated server, which that server takes', async () => {
		emu.setOptions({federatedServers: ['hosting', 'imagery']});
		const [hosting, imagery] = emu.federatedServerUrls;
		const token = await appToken(emu);
		const exchange = async (serverUrl: string) =>
			http.post(`${emu.portalUrl}/sharing/rest/generateToken`, {form: {f: 'json', token, serverUrl}}).json<{token?: string; expires?: number; error?: {details: string[]}}>();
		const server = await exchange(hosting!);
		assert.equal(typeof server.token, 'string');
		assert.equal(typeof server.expires, 'number');
		assert.equal(await codeOf(`${hosting}/rest/services`, server.token), 200);
		assert.equal(await codeOf(`${imagery}/rest/services`, server.token), 498, 'bound to its server');
		assert.equal(emu.stats.counts['federated.hosting.exchangeToken'], 1);
		assert.match((await exchange(emu.serverUrl)).error?.details[0] ?? '', /not a server federated/);
		assert.equal(await codeOf(`${emu.portalUrl}/sharing/rest/community/users/demo`, server.token), 498, 'the server token is not a portal token');
	});

	it('revokes app tokens and the server tokens exchanged for them with revokeAllTokens', async () => {
		const token = await appToken(emu);
		const server = await http.post(`${emu.portalUrl}/sharing/rest/generateToken`, {form: {f: 'json', token, serverUrl: emu.federatedServerUrls[0]!}}).json<{token: string}>();
		emu.revokeAllTokens();
		assert.equal(await codeOf(`${emu.portalUrl}/sharing/rest/community/users/demo`, token), 498);
		assert.equal(await codeOf(`${emu.federatedServerUrls[0]}/rest/services`, server.token), 498);
		const again = await http.post(`${emu.portalUrl}/sharing/rest/generateToken`, {form: {f: 'json', token, serverUrl: emu.federatedServerUrls[0]!}}).json<{error?: {code: number}}>();
		assert.equal(again.error?.code, 498, 'a revoked app token is a 498 at the exchange, to be renewed');
	});

	it('expires app tokens after their lifetime', async () => {
		emu.setOptions({oauthTokenLifetimeSeconds: 0.3});
		const answer = await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET});
		assert.equal(answer.body.expires_in, 1, 'whole seconds, rounded up');
		const token = answer.body.access_token!;
		const self = `${emu.portalUrl}/sharing/rest/portals/self`;
		assert.ok((await http(self, {searchParams: {f: 'json', token}}).json<{appInfo?: unknown}>()).appInfo);
		await new Promise(resolve => setTimeout(resolve, 400));
		assert.equal((await http(self, {searchParams: {f: 'json', token}}).json<{appInfo?: unknown}>()).appInfo, undefined);
		assert.equal(await codeOf(`${emu.portalUrl}/sharing/rest/community/self`, token), 498);
	});

	it('keeps neither the secret nor the app token in its stats and log', async () => {
		const token = await appToken(emu);
		await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: 'wrong-secret-2'});
		await oauthToken(emu, {grant_type: 'client_credentials', client_id: 'demo-app', client_secret: SECRET}, 'GET');
		await http(`${emu.portalUrl}/sharing/rest/portals/self`, {searchParams: {f: 'json', token}});
		const seen = JSON.stringify(emu.stats);
		for (const secret of [SECRET, 'wrong-secret-2', token]) {
			assert.ok(!seen.includes(secret), `${secret.slice(0, 4)}… is not in the stats`);
		}

		assert.deepEqual(
			emu.stats.log.map(entry => [entry.method, entry.path, entry.tokenKind ?? null]),
			[
				['POST', '/portal/sharing/rest/oauth2/token', null],
				['POST', '/portal/sharing/rest/oauth2/token', null],
				['GET', '/portal/sharing/rest/oauth2/token', null],
				['GET', '/portal/sharing/rest/portals/self', 'app'],
			],
		);
	});
});

describe('redirect URIs of registered OAuth apps', () => {
	const registered = ['http://127.0.0.1/callback', 'http://localhost/callback', 'https://app.example/auth'];

	it('accepts the OOB URI and exact matches; a loopback http URI on any port (RFC 8252); nothing else', () => {
		assert.ok(redirectUriAllowed([], 'urn:ietf:wg:oauth:2.0:oob'));
		assert.ok(redirectUriAllowed(registered, 'https://app.example/auth'));
		assert.ok(redirectUriAllowed(registered, 'http://127.0.0.1:53124/callback'));
		assert.ok(redirectUriAllowed(registered, 'http://localhost:8080/callback'));
		assert.ok(!redirectUriAllowed(registered, 'http://127.0.0.1:53124/other'), 'the path must match');
		assert.ok(!redirectUriAllowed(registered, 'http://[::1]:53124/callback'), 'the host must match');
		assert.ok(!redirectUriAllowed(registered, 'https://app.example:8443/auth'), 'a port is free on loopback http only');
		assert.ok(!redirectUriAllowed(registered, 'http://evil.example/callback'));
		assert.ok(!redirectUriAllowed(registered, 'not a uri'));
	});
});
