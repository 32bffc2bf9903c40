import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import {get} from 'node:http';
import got from 'got';
import nock from 'nock';
import {ArcGISPortalOAuthAuth, OOB_REDIRECT_URI, TokenAuthenticationError} from '../lib/index.js';
import {useNock} from './helpers/fake-site.js';

const PORTAL = 'https://www.arcgis.com';
const SELF = `${PORTAL}/sharing/rest/portals/self?f=json`;

type TokenCall = Record<string, string>;

/** The portal's oauth2/token for the code exchange, its revokeToken, and a resource. */
function fakePortal(answer: (form: TokenCall) => unknown = () => ({access_token: 'access-1', expires_in: 1800, username: 'jdoe', refresh_token: 'refresh-1', refresh_token_expires_in: 1_209_599})) {
	const calls: TokenCall[] = [];
	const revoked: TokenCall[] = [];
	const seen: Array<string | null> = [];
	nock(PORTAL)
		.persist()
		.post('/sharing/rest/oauth2/token')
		.reply((_uri, body) => {
			const form = Object.fromEntries(new URLSearchParams(body as string));
			calls.push(form);
			return [200, JSON.stringify(answer(form)), {'content-type': 'text/plain;charset=utf-8'}];
		})
		.post('/sharing/rest/oauth2/revokeToken')
		.reply((_uri, body) => {
			revoked.push(Object.fromEntries(new URLSearchParams(body as string)));
			return [200, {success: true}];
		})
		.post('/sharing/rest/portals/self')
		.reply((_uri, body) => {
			seen.push(new URLSearchParams(body as string).get('token'));
			return [200, {id: 'org'}];
		});
	return {calls, revoked, seen};
}

/** What the browser does at the end of a sign-in: GET the redirect URI with the portal's query. */
async function browserReturns(url: string): Promise<{status: number; body: string}> {
	return new Promise((resolve, reject) => {
		get(url, response => {
			let body = '';
			response.on('data', (chunk: Buffer) => (body += chunk.toString()));
			response.on('end', () => resolve({status: response.statusCode ?? 0, body}));
		}).on('error', reject);
	});
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

describe('ArcGISPortalOAuthAuth.signIn (authorization code with PKCE) and signOut', () => {
	useNock();
	before(() => {
		// The loopback listener and the simulated browser are real sockets on 127.0.0.1.
		nock.enableNetConnect('127.0.0.1');
	});

	it('out of band: the authorize URL carries an S256 challenge and a random state; the pasted code is exchanged with the verifier', async () => {
		const portal = fakePortal();
		let shown: URL | undefined;
		const saved: string[] = [];
		const auth = await ArcGISPortalOAuthAuth.signIn('my-app', {
			portal: PORTAL,
			open: url => void (shown = new URL(url)),
			readCode: () => ' pasted-code \n',
			onRefreshToken: token => void saved.push(token),
		});
		assert.equal(shown?.origin + shown!.pathname, `${PORTAL}/sharing/rest/oauth2/authorize`);
		const query = Object.fromEntries(shown!.searchParams);
		assert.equal(query.client_id, 'my-app');
		assert.equal(query.response_type, 'code');
		assert.equal(query.redirect_uri, OOB_REDIRECT_URI);
		assert.equal(query.code_challenge_method, 'S256');
		assert.ok((query.state ?? '').length >= 22, 'a random state of 16 bytes or more');
		const exchange = portal.calls[0]!;
		assert.deepEqual(
			{...exchange, code_verifier: undefined},
			{grant_type: 'authorization_code', client_id: 'my-app', code: 'pasted-code', redirect_uri: OOB_REDIRECT_URI, code_verifier: undefined, f: 'json'},
		);
		assert.ok((exchange.code_verifier ?? '').length >= 43);
		assert.equal(s256(exchange.code_verifier!), query.code_challenge, 'the verifier matches the challenge');
		assert.equal(auth.refreshToken, 'refresh-1');
		assert.deepEqual(saved, ['refresh-1']);
		// The sign-in's access token serves the first request: no second token call.
		await got(SELF, {hooks: auth.hooks});
		assert.deepEqual(portal.seen, ['access-1']);
		assert.equal(portal.calls.length, 1);
		assert.equal(auth.username, 'jdoe');
	});

	it('two sign-ins never share a state or a verifier', async () => {
		const portal = fakePortal();
		const states: string[] = [];
		for (let index = 0; index < 2; index++) {
			await ArcGISPortalOAuthAuth.signIn('my-app', {open: url => void states.push(new URL(url).searchParams.get('state')!), readCode: () => 'code'});
		}

		assert.notEqual(states[0], states[1]);
		assert.notEqual(portal.calls[0]!.code_verifier, portal.calls[1]!.code_verifier);
	});

	it('loopback: listens on 127.0.0.1 only, takes the one callback with the right state, exchanges with the exact redirect URI, then closes', async () => {
		const portal = fakePortal();
		let redirect = '';
		let state = '';
		let listening: {status: number; body: string} | undefined;
		const signedIn = ArcGISPortalOAuthAuth.signIn('my-app', {
			redirectUri: 'http://127.0.0.1/callback',
			open: async url => {
				const query = new URL(url).searchParams;
				redirect = query.get('redirect_uri')!;
				state = query.get('state')!;
				// A stale tab's answer (another state) is refused and ignored, before any token call.
				listening = await browserReturns(`${redirect}?code=stale&state=not-this-one`);
				// Bound to 127.0.0.1, not to every interface: the IPv6 loopback finds nothing there.
				await assert.rejects(browserReturns(`${redirect.replace('127.0.0.1', '[::1]')}?code=x&state=${state}`));
				assert.equal(portal.calls.length, 0);
				setImmediate(() => void browserReturns(`${redirect}?code=the-code&state=${state}`));
			},
		});
		const auth = await signedIn;
		assert.equal(listening?.status, 400);
		assert.match(listening?.body ?? '', /does not belong to the sign-in/);
		assert.match(redirect, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
		assert.equal(portal.calls.length, 1);
		assert.equal(portal.calls[0]!.code, 'the-code');
		assert.equal(portal.calls[0]!.redirect_uri, redirect, 'the exact redirect URI of the authorize request');
		assert.equal(auth.refreshToken, 'refresh-1');
		await assert.rejects(browserReturns(`${redirect}?code=late&state=${state}`), /ECONNREFUSED/, 'the listener is closed');
	});

	it('loopback: an error from the portal (the person said no) is OAUTH_ERROR, with no token call', async () => {
		const portal = fakePortal();
		await assert.rejects(
			ArcGISPortalOAuthAuth.signIn('my-app', {
				redirectUri: 'http://localhost/cb',
				open: url => {
					const query = new URL(url).searchParams;
					const redirect = query.get('redirect_uri')!.replace('localhost', '127.0.0.1');
					setImmediate(() => void browserReturns(`${redirect}?error=access_denied&error_description=The%20user%20has%20denied%20your%20request&state=${query.get('state')}`));
				},
			}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'OAUTH_ERROR' && /denied/.test(error.message),
		);
		assert.equal(portal.calls.length, 0);
	});

	it('loopback: gives up after its timeout, and closes the listener', async () => {
		let redirect = '';
		await assert.rejects(
			ArcGISPortalOAuthAuth.signIn('my-app', {redirectUri: 'http://127.0.0.1/cb', timeout: 150, open: url => void (redirect = new URL(url).searchParams.get('redirect_uri')!)}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'OAUTH_ERROR' && /No sign-in came back/.test(error.message),
		);
		await assert.rejects(browserReturns(`${redirect}?code=x`), /ECONNREFUSED/);
	});

	it('a code the portal refuses is OAUTH_ERROR, and neither the code nor the verifier is in the message', async () => {
		const portal = fakePortal(form => ({
			error: {code: 400, error: 'invalid_request', error_description: `Invalid authorization code ${form.code} ${form.code_verifier}`, message: 'Invalid authorization code', details: []},
		}));
		const error = await ArcGISPortalOAuthAuth.signIn('my-app', {open: () => undefined, readCode: () => 'reused-code-123'}).catch((caught: unknown) => caught);
		assert.ok(error instanceof TokenAuthenticationError && error.code === 'OAUTH_ERROR', String(error));
		const verifier = portal.calls[0]!.code_verifier!;
		for (const view of [error.message, JSON.stringify(error), error.stack ?? '']) {
			assert.ok(!view.includes('reused-code-123') && !view.includes(verifier), view);
		}
	});

	it('refuses a redirect URI that is neither out of band nor loopback, and a portal over plain http, before showing anything', async () => {
		let opened = 0;
		const open = () => void opened++;
		await assert.rejects(
			ArcGISPortalOAuthAuth.signIn('my-app', {redirectUri: 'https://app.example.com/cb', open}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION',
		);
		await assert.rejects(
			ArcGISPortalOAuthAuth.signIn('my-app', {portal: 'http://gis.example.com/portal', open, readCode: () => 'x'}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INSECURE_TRANSPORT',
		);
		assert.equal(opened, 0);
	});

	it('signOut revokes the refresh token at oauth2/revokeToken; later requests say SIGN_IN_REQUIRED', async () => {
		const portal = fakePortal();
		const auth = await ArcGISPortalOAuthAuth.signIn('my-app', {portal: PORTAL, open: () => undefined, readCode: () => 'code'});
		await got(SELF, {hooks: auth.hooks});
		await auth.signOut();
		assert.deepEqual(portal.revoked, [{client_id: 'my-app', auth_token: 'refresh-1', token_type_hint: 'refresh_token', f: 'json'}]);
		await assert.rejects(got(SELF, {hooks: auth.hooks}), (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'SIGN_IN_REQUIRED');
		assert.equal(portal.calls.length, 1, 'no token call after sign-out');
	});
});
