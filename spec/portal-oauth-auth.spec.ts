import assert from 'node:assert/strict';
import {inspect} from 'node:util';
import got from 'got';
import nock from 'nock';
import {ArcGISPortalOAuthAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {FakeOAuthPortal, PORTAL} from './helpers/fake-oauth-portal.js';
import {useNock} from './helpers/fake-site.js';
import {captureWarnings} from './helpers/warnings.js';

const SELF = `${PORTAL}/sharing/rest/portals/self?f=json`;
const REFRESH = 'refresh-token-0123456789';

function userPortal(): FakeOAuthPortal {
	const portal = new FakeOAuthPortal();
	portal.prefix = 'access-token';
	portal.lifetimeSeconds = 1800;
	portal.extra = () => ({username: 'jdoe', ssl: true});
	return portal;
}

const signInRequired = (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'SIGN_IN_REQUIRED' && /sign in again/.test(error.message) && !error.message.includes(REFRESH);

describe('ArcGISPortalOAuthAuth (a user’s OAuth session from a refresh token)', () => {
	useNock();

	it('gets 30-minute access tokens with grant_type=refresh_token and puts them on requests', async () => {
		const portal = userPortal();
		const auth = new ArcGISPortalOAuthAuth('my-app', {portal: PORTAL, refreshToken: REFRESH});
		assert.equal((await got(SELF, {hooks: auth.hooks}).json<{id: string}>()).id, 'org');
		assert.deepEqual(Object.fromEntries(portal.tokenCalls[0]!.form), {grant_type: 'refresh_token', client_id: 'my-app', refresh_token: REFRESH, f: 'json'});
		assert.deepEqual(portal.resourceTokens, ['access-token-1']);
		assert.equal(auth.username, 'jdoe');
		assert.equal(auth.token, 'access-token-1');
		assert.equal(auth.ssl, true);
	});

	it('makes one token call for 50 concurrent first requests', async () => {
		const portal = userPortal();
		const s = createSession({auth: new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH})});
		await Promise.all(Array.from({length: 50}, async () => s.get(SELF)));
		assert.equal(portal.tokenCalls.length, 1);
	});

	it('a refused refresh token is SIGN_IN_REQUIRED: exactly one attempt for 20 concurrent requests, kept until reset()', async () => {
		const portal = userPortal();
		portal.answer = () => ({error: {code: 498, error: 'invalid_request', error_description: 'refresh_token expired', message: 'refresh_token expired', details: []}});
		const auth = new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH});
		const s = createSession({auth});
		const results = await Promise.allSettled(Array.from({length: 20}, async () => s.get(SELF)));
		assert.ok(results.every(result => result.status === 'rejected' && signInRequired(result.reason)));
		assert.equal(portal.tokenCalls.length, 1);
		await assert.rejects(s.get(SELF), signInRequired);
		assert.equal(portal.tokenCalls.length, 1, 'never retried in a loop');
		auth.reset();
		await assert.rejects(s.get(SELF), signInRequired);
		assert.equal(portal.tokenCalls.length, 2, 'reset() allows one new attempt');
	});

	it('"Invalid refresh_token" is SIGN_IN_REQUIRED too; a refused client id is OAUTH_ERROR', async () => {
		const portal = userPortal();
		portal.answer = () => ({error: {code: 400, error: 'invalid_request', error_description: 'Invalid refresh_token', message: 'Invalid refresh_token', details: []}});
		await assert.rejects(got(SELF, {hooks: new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH}).hooks}), signInRequired);
		portal.answer = () => ({error: {code: 400, error: 'invalid_client_id', error_description: 'Invalid client_id', message: 'Invalid client_id', details: []}});
		await assert.rejects(
			got(SELF, {hooks: new ArcGISPortalOAuthAuth('no-app', {refreshToken: REFRESH}).hooks}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'OAUTH_ERROR',
		);
	});

	it('a network failure is not kept: the next request tries again', async () => {
		nock(PORTAL)
			.post('/sharing/rest/oauth2/token')
			.replyWithError(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}));
		const portal = userPortal();
		const s = createSession({auth: new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH})}).extend({retry: {limit: 0}});
		await assert.rejects(s.get(SELF), (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'NETWORK_ERROR');
		assert.equal((await s.get(SELF).json<{id: string}>()).id, 'org');
		assert.equal(portal.tokenCalls.length, 1);
	});

	it('a rotated refresh token is used from then on and handed to onRefreshToken', async () => {
		const portal = userPortal();
		let rotated = 0;
		portal.extra = form => (form.get('refresh_token') === REFRESH ? {refresh_token: `rotated-${++rotated}`} : {});
		const saved: Array<[string, Date | undefined]> = [];
		const auth = new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH, onRefreshToken: (token, expires) => void saved.push([token, expires])});
		const s = createSession({auth});
		await s.get(SELF);
		assert.deepEqual(saved, [['rotated-1', undefined]]);
		assert.equal(auth.refreshToken, 'rotated-1');
		portal.valid.clear();
		await s.get(SELF);
		assert.equal(portal.tokenCalls[1]!.form.get('refresh_token'), 'rotated-1');
	});

	it('renews a refresh token that expires within a day with exchange_refresh_token, repeating the redirect URI', async () => {
		const portal = userPortal();
		portal.extra = form => (form.get('grant_type') === 'exchange_refresh_token' ? {refresh_token: 'renewed-1', refresh_token_expires_in: 1_209_599} : {});
		const saved: Array<[string, Date | undefined]> = [];
		const auth = new ArcGISPortalOAuthAuth('my-app', {
			refreshToken: REFRESH,
			refreshTokenExpires: new Date(Date.now() + 3_600_000),
			onRefreshToken: (token, expires) => void saved.push([token, expires]),
		});
		await got(SELF, {hooks: auth.hooks});
		assert.deepEqual(Object.fromEntries(portal.tokenCalls[0]!.form), {
			grant_type: 'exchange_refresh_token',
			client_id: 'my-app',
			redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
			refresh_token: REFRESH,
			f: 'json',
		});
		assert.equal(saved[0]?.[0], 'renewed-1');
		const expires = saved[0]?.[1]?.getTime() ?? 0;
		assert.ok(Math.abs(expires - (Date.now() + 1_209_599_000)) < 5000, 'refresh_token_expires_in is in seconds');
		assert.equal(auth.refreshTokenExpires?.getTime(), expires);
	});

	it('keeps the renewed refresh token when exchange_refresh_token answers without an access token, and gets one with it', async () => {
		const portal = userPortal();
		portal.answer = form => (form.get('grant_type') === 'exchange_refresh_token' ? {refresh_token: 'renewed-2', refresh_token_expires_in: 1_209_599, username: 'jdoe'} : undefined);
		const saved: string[] = [];
		const auth = new ArcGISPortalOAuthAuth('my-app', {
			refreshToken: REFRESH,
			refreshTokenExpires: new Date(Date.now() + 3_600_000),
			onRefreshToken: token => void saved.push(token),
		});
		await got(SELF, {hooks: auth.hooks});
		assert.deepEqual(
			portal.tokenCalls.map(call => [call.form.get('grant_type'), call.form.get('refresh_token')]),
			[
				['exchange_refresh_token', REFRESH],
				['refresh_token', 'renewed-2'],
			],
		);
		assert.deepEqual(saved, ['renewed-2']);
		assert.equal(auth.refreshToken, 'renewed-2');
	});

	it('keeps refreshing with grant_type=refresh_token while the refresh token has long to live', async () => {
		const portal = userPortal();
		await got(SELF, {hooks: new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH, refreshTokenExpires: new Date(Date.now() + 7 * 86_400_000)}).hooks});
		assert.equal(portal.tokenCalls[0]!.form.get('grant_type'), 'refresh_token');
	});

	it('an onRefreshToken that throws does not fail the request: one warning, the new token in use', async () => {
		const portal = userPortal();
		portal.extra = () => ({refresh_token: 'rotated-x'});
		const auth = new ArcGISPortalOAuthAuth('my-app', {
			refreshToken: REFRESH,
			onRefreshToken: () => {
				throw new Error('disk full');
			},
		});
		const warnings = await captureWarnings(async () => {
			await got(SELF, {hooks: auth.hooks});
		});
		assert.equal(auth.refreshToken, 'rotated-x');
		assert.equal(warnings.filter(warning => /onRefreshToken failed/.test(warning.message) && !warning.message.includes('rotated-x')).length, 1);
	});

	it('the refresh tokens, old and new, are in no message, inspect or JSON', async () => {
		const portal = userPortal();
		portal.extra = () => ({refresh_token: 'rotated-secret-1'});
		const auth = new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH});
		await got(SELF, {hooks: auth.hooks});
		portal.answer = () => ({error: {code: 498, message: `refresh_token expired: ${REFRESH} rotated-secret-1`, details: [REFRESH]}});
		portal.valid.clear();
		const error = await got(SELF, {hooks: auth.hooks}).catch((caught: unknown) => caught);
		assert.ok(error instanceof TokenAuthenticationError && error.code === 'SIGN_IN_REQUIRED', String(error));
		for (const view of [String(error), inspect(error, {depth: 6}), JSON.stringify(error), (error as Error).stack ?? '', inspect(auth), JSON.stringify(auth)]) {
			assert.ok(!view.includes(REFRESH) && !view.includes('rotated-secret-1'), view);
		}
	});

	it('refuses unusable arguments with INVALID_OPTION, without echoing a refresh token', () => {
		const invalid = (pattern: RegExp) => (error: unknown) =>
			error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION' && pattern.test(error.message) && !error.message.includes('bad token');
		assert.throws(() => new ArcGISPortalOAuthAuth('', {refreshToken: REFRESH}), invalid(/client id/));
		assert.throws(() => new ArcGISPortalOAuthAuth('my-app', {} as never), invalid(/refreshToken/));
		assert.throws(() => new ArcGISPortalOAuthAuth('my-app', {refreshToken: 'bad token'}), invalid(/refreshToken/));
		assert.throws(() => new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH, onRefreshToken: 'save' as never}), invalid(/onRefreshToken/));
		assert.throws(() => new ArcGISPortalOAuthAuth('my-app', {refreshToken: REFRESH, refreshTokenExpires: 'soon' as never}), invalid(/refreshTokenExpires/));
	});
});
