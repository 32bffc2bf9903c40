import {checkLogin} from '../accounts.js';
import type {EmulatorContext} from '../context.js';
import {OOB_REDIRECT, redirectUriAllowed} from '../oauth-apps.js';
import {errorPage, oobPage, signInPage, type SignInInfo} from '../oauth-pages.js';
import type {PendingAuthorization} from '../oauth-sessions.js';
import type {EmulatorRequest} from '../request.js';
import {htmlPage, type Reply} from '../responses.js';

const MINUTE_MS = 60_000;
/** Refresh-token lifetimes by `expiration` (minutes): two weeks by default, ninety days at most (enterprise-identity.md §2.4). */
const REFRESH_DEFAULT_MINUTES = 20_160;
const REFRESH_MAX_MINUTES = 129_600;

/** The refresh token's lifetime an authorize request asks for: unset, 0 or junk → two weeks; -1 → the maximum; else at most the maximum. */
function refreshMs(expiration: string | undefined): number {
	const asked = Number(expiration);
	if (asked === -1) {
		return REFRESH_MAX_MINUTES * MINUTE_MS;
	}

	return (Number.isFinite(asked) && asked > 0 ? Math.min(asked, REFRESH_MAX_MINUTES) : REFRESH_DEFAULT_MINUTES) * MINUTE_MS;
}

/** The challenge of a PKCE authorize request: the method defaults to `plain` (RFC 7636 §4.3); an unknown one is an error. */
function challengeOf(request: EmulatorRequest): PendingAuthorization['challenge'] | 'invalid' {
	const value = request.param('code_challenge');
	const method = request.param('code_challenge_method') ?? 'plain';
	if (value === undefined || value === '') {
		return undefined;
	}

	return method === 'S256' || method === 'plain' ? {value, method} : 'invalid';
}

/** What every rendering of the sign-in page shows besides the authorization: the enterprise login, if any, and the literal's shape. */
function pageSettings(context: EmulatorContext): Pick<SignInInfo, 'federation' | 'style'> {
	const login = context.options.enterpriseLogin;
	const federation = login && {idpName: login.name, idpAuthorizeUrl: `${context.origin}/portal/sharing/rest/oauth2/saml/authorize`};
	return {style: context.options.oAuthInfoStyle, ...(federation ? {federation} : {})};
}

/**
`GET {portal}/sharing/rest/oauth2/authorize`: the sign-in page, or an error page (HTTP 400, never a
redirect) for an unknown client id, a redirect URI the app did not register, a response type other
than `code`, or an unknown PKCE method. The authorization waits under a random `oauth_state`.
*/
export function authorize(request: EmulatorRequest, context: EmulatorContext): Reply {
	context.stats.count('portal.oauth2.authorize');
	const clientId = request.param('client_id') ?? '';
	const app = context.options.oauthApps.get(clientId);
	if (!app) {
		return htmlPage(errorPage('Invalid client_id'), 400);
	}

	const redirectUri = request.param('redirect_uri') ?? '';
	if (redirectUri === '' || !redirectUriAllowed(app.redirectUris, redirectUri)) {
		return htmlPage(errorPage('Invalid redirect_uri'), 400);
	}

	if (request.param('response_type') !== 'code') {
		// The implicit flow (`token`) is deprecated and not emulated.
		return htmlPage(errorPage('Invalid response_type'), 400);
	}

	const challenge = challengeOf(request);
	if (challenge === 'invalid') {
		return htmlPage(errorPage('Invalid code_challenge_method'), 400);
	}

	const state = request.param('state');
	const oauthState = context.oauth.begin({clientId, redirectUri, state: state === '' ? undefined : state, challenge, refreshMs: refreshMs(request.param('expiration'))});
	return htmlPage(signInPage({oauthState, clientId, redirectUri, locale: request.param('locale') ?? 'en', ...pageSettings(context)}));
}

/** Where a signed-in user goes (built-in or enterprise login): the OOB page, or a 302 to the redirect URI with `code` (and `state`). */
export function approved(pending: PendingAuthorization, code: string): Reply {
	if (pending.redirectUri === OOB_REDIRECT) {
		return htmlPage(oobPage(code));
	}

	const target = new URL(pending.redirectUri);
	target.searchParams.set('code', code);
	if (pending.state !== undefined) {
		target.searchParams.set('state', pending.state);
	}

	return {status: 302, headers: [['location', target.href]]};
}

/**
`POST {root}/sharing/oauth2/signin` (and `…/sharing/rest/oauth2/signin`): the built-in login form.
A wrong password or a locked account re-renders the page with ArcGIS's message (and counts as a
failed login, honouring `lockoutAfter` as generateToken does); the `oauth_state` stays good for
another try. A right one spends the `oauth_state` and issues a code.
*/
export function signIn(request: EmulatorRequest, context: EmulatorContext): Reply {
	context.stats.count('portal.oauth2.signin');
	const oauthState = request.form.get('oauth_state') ?? '';
	const pending = context.oauth.pending(oauthState);
	if (request.method !== 'POST' || !pending) {
		return htmlPage(errorPage('Invalid or expired oauth_state'), 400);
	}

	const username = request.form.get('username') ?? '';
	const password = request.form.get('password') ?? '';
	const verdict = checkLogin(context, username, known => known === password);
	if (verdict !== 'accepted') {
		const message = verdict === 'locked' ? 'Too many invalid attempts. Please try again later.' : 'Invalid username or password.';
		const page = signInPage({oauthState, clientId: pending.clientId, redirectUri: pending.redirectUri, locale: 'en', error: {message, code: 'OAUTH_0015'}, ...pageSettings(context)});
		return htmlPage(page);
	}

	const code = context.oauth.issueCode(oauthState, username, context.options.oauthCodeSeconds * 1000)!;
	return approved(pending, code);
}
