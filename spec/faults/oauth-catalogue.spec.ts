import assert from 'node:assert/strict';
import got from 'got';
import nock from 'nock';
import {ArcGISAppAuth, ArcGISPortalOAuthAuth, TokenAuthenticationError, createSession} from '../../lib/index.js';
import {useNock} from '../helpers/fake-site.js';
import {CANARY_PASSWORD, CANARY_TOKEN, withEvidence, type Evidence} from './evidence.js';

const PORTAL = 'https://oauth-faults.example.com';
const SELF = `${PORTAL}/sharing/rest/portals/self?f=json`;
/** The OAuth secrets of these cases are the catalogue's canaries: the client secret is its password, every token starts as its tokens do. */
const CLIENT_SECRET = CANARY_PASSWORD;
const REFRESH_TOKEN = `${CANARY_TOKEN}-refresh-1`;
const CODE = `${CANARY_TOKEN}-code-1`;

function expectCode(error: unknown, code: string): void {
	assert.ok(
		error instanceof TokenAuthenticationError && error.code === code,
		`expected ${code}, got ${error instanceof Error ? `${(error as {code?: string}).code ?? error.name}: ${error.message}` : String(error)}`,
	);
}

/** The portal's oauth2/token answering `reply` (echoing what it was sent, as a careless server might), and a resource. */
function portal(evidence: Evidence, reply: (form: URLSearchParams) => [number, string]) {
	nock(PORTAL)
		.persist()
		.post('/sharing/rest/oauth2/token')
		.reply((_uri, body) => {
			const form = new URLSearchParams(body as string);
			const verifier = form.get('code_verifier');
			if (verifier) {
				evidence.secrets.push(verifier);
			}

			const [status, text] = reply(form);
			return [status, text, {'content-type': 'text/plain;charset=utf-8'}];
		})
		.post('/sharing/rest/portals/self')
		.reply((_uri, body) => [200, {error: {code: 498, message: `Invalid token ${new URLSearchParams(body as string).get('token')}`, details: []}}]);
}

const echo = (form: URLSearchParams) => [...form.values()].join(' ');
const token = (name: string) => JSON.stringify({access_token: `${CANARY_TOKEN}-${name}`, expires_in: 1800, refresh_token: `${CANARY_TOKEN}-rotated`});

type Case = [name: string, run: (evidence: Evidence) => Promise<void>];

const cases: Case[] = [
	[
		'app credentials refused, the portal echoing the secret: OAUTH_ERROR',
		async evidence => {
			portal(evidence, form => [
				200,
				JSON.stringify({
					error: {code: 400, error: 'invalid_request', error_description: `Invalid client_secret: ${echo(form)}`, message: `Invalid client_secret: ${echo(form)}`, details: [echo(form)]},
				}),
			]);
			const auth = new ArcGISAppAuth('app', CLIENT_SECRET, {portal: PORTAL});
			evidence.handlers.push(auth);
			expectCode(await evidence.failure(got(SELF, {hooks: auth.hooks})), 'OAUTH_ERROR');
		},
	],
	[
		'app credentials: the token service answers HTML echoing the form: TOKEN_SERVICE_ERROR',
		async evidence => {
			portal(evidence, form => [502, `<html>${echo(form)}</html>`]);
			const auth = new ArcGISAppAuth('app', CLIENT_SECRET, {portal: PORTAL});
			evidence.handlers.push(auth);
			expectCode(await evidence.failure(got(SELF, {hooks: auth.hooks})), 'TOKEN_SERVICE_ERROR');
		},
	],
	[
		'app credentials: the token service is unreachable: NETWORK_ERROR, no secret of the form in the error or its cause',
		async evidence => {
			nock(PORTAL)
				.post('/sharing/rest/oauth2/token')
				.replyWithError(Object.assign(new Error('connect ECONNREFUSED'), {code: 'ECONNREFUSED'}));
			const auth = new ArcGISAppAuth('app', CLIENT_SECRET, {portal: PORTAL});
			evidence.handlers.push(auth);
			expectCode(await evidence.failure(got(SELF, {hooks: auth.hooks, retry: {limit: 0}})), 'NETWORK_ERROR');
		},
	],
	[
		'a user’s access tokens rejected twice, the site echoing them: the error given back carries neither',
		async evidence => {
			portal(evidence, () => [200, token('access')]);
			const auth = new ArcGISPortalOAuthAuth('app', {portal: PORTAL, refreshToken: REFRESH_TOKEN});
			evidence.handlers.push(auth);
			const response = await got(SELF, {hooks: auth.hooks}).json<{error?: {code: number}}>();
			assert.equal(response.error?.code, 498, 'the second 498 goes to the caller as it is');
		},
	],
	[
		'a refused refresh token, the portal echoing it: SIGN_IN_REQUIRED',
		async evidence => {
			portal(evidence, form => [
				200,
				JSON.stringify({error: {code: 498, error: 'invalid_request', error_description: `refresh_token expired ${echo(form)}`, message: `refresh_token expired ${echo(form)}`, details: []}}),
			]);
			const auth = new ArcGISPortalOAuthAuth('app', {portal: PORTAL, refreshToken: REFRESH_TOKEN});
			evidence.handlers.push(auth);
			expectCode(await evidence.failure(createSession({auth}).get(SELF)), 'SIGN_IN_REQUIRED');
		},
	],
	[
		'a rotated refresh token that onRefreshToken fails to store: a warning without it',
		async evidence => {
			portal(evidence, () => [200, token('access')]);
			const auth = new ArcGISPortalOAuthAuth('app', {
				portal: PORTAL,
				refreshToken: REFRESH_TOKEN,
				onRefreshToken: token => {
					throw new Error(`could not write ${token}`);
				},
			});
			evidence.handlers.push(auth);
			await got(SELF, {hooks: auth.hooks}).catch(() => undefined);
			// process.emitWarning delivers on the next tick.
			await new Promise(resolve => setImmediate(resolve));
			assert.equal(evidence.warnings.filter(warning => /onRefreshToken failed/.test(warning.message)).length, 1);
		},
	],
	[
		'a sign-in whose code the portal refuses, echoing the code and the verifier: OAUTH_ERROR',
		async evidence => {
			portal(evidence, form => [
				200,
				JSON.stringify({
					error: {code: 400, error: 'invalid_request', error_description: `Invalid authorization code ${echo(form)}`, message: `Invalid authorization code ${echo(form)}`, details: [echo(form)]},
				}),
			]);
			expectCode(await evidence.failure(ArcGISPortalOAuthAuth.signIn('app', {portal: PORTAL, open: () => undefined, readCode: () => CODE})), 'OAUTH_ERROR');
			assert.equal(evidence.secrets.length, 1, 'the verifier was seen on the wire, and is checked for');
		},
	],
];

describe('fault catalogue: OAuth (no client secret, code, verifier, refresh or access token in any output)', () => {
	useNock();
	for (const [name, run] of cases) {
		it(name, async () => {
			await withEvidence(run);
		});
	}
});
