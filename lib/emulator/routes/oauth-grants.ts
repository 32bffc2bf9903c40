import type {EmulatorContext} from '../context.js';
import {redirectUriAllowed, type ResolvedOAuthApp} from '../oauth-apps.js';
import {verifierMatches, type RefreshGrant} from '../oauth-sessions.js';
import type {EmulatorRequest} from '../request.js';
import {json, oauthAnswer, oauthError, type Reply} from '../responses.js';

/** The grants that act for a user (the code flow and its refreshes); `client_credentials` is the app's own. */
export const USER_GRANTS = new Set(['authorization_code', 'refresh_token', 'exchange_refresh_token']);

/** Whole seconds, as ArcGIS sends; a fractional test lifetime is rounded up (the token dies first). */
const seconds = (ms: number): number => Math.ceil(ms / 1000);

/** A user's access token (an `oauth` token: a portal token of that user), noted under its grant for revocation. */
function accessToken(context: EmulatorContext, grant: {username: string; session: string}): Record<string, unknown> {
	const lifetimeMs = context.options.oauthAccessTokenSeconds * 1000;
	const {token} = context.tokens.mint(grant.username, lifetimeMs, {kind: 'oauth'});
	context.oauth.addAccess(grant.session, token);
	return {access_token: token, expires_in: seconds(lifetimeMs), username: grant.username, ssl: context.options.ssl};
}

/** A new refresh token for a grant, at most `oauthRefreshTokenSeconds`, with what the answer says of it. */
function refreshToken(context: EmulatorContext, grant: Omit<RefreshGrant, 'session' | 'expires'> & {session?: string}): {answer: Record<string, unknown>; session: string} {
	const lifetimeMs = Math.min(grant.refreshMs, context.options.oauthRefreshTokenSeconds * 1000);
	const {token} = context.oauth.issueRefresh(grant, lifetimeMs);
	const session = context.oauth.refreshOf(token)!.session;
	return {answer: {refresh_token: token, refresh_token_expires_in: seconds(lifetimeMs)}, session};
}

/** `grant_type=authorization_code`: the code (spent whatever happens), the same redirect URI, and the PKCE verifier when a challenge was given. */
function authorizationCode(request: EmulatorRequest, context: EmulatorContext, clientId: string): Reply {
	const code = request.param('code') ?? '';
	if (code === '') {
		return oauthError('invalid_request', 'code not specified');
	}

	const found = context.oauth.takeCode(code);
	if (found?.clientId !== clientId) {
		return oauthError('invalid_request', 'Invalid authorization code');
	}

	const redirectUri = request.param('redirect_uri') ?? '';
	if (redirectUri === '') {
		return oauthError('invalid_request', 'redirect_uri not specified');
	}

	if (redirectUri !== found.redirectUri) {
		return oauthError('invalid_request', 'Invalid redirect_uri');
	}

	if (found.challenge && !verifierMatches(found.challenge, request.param('code_verifier') ?? '')) {
		return oauthError('invalid_request', 'Invalid code_verifier');
	}

	const refresh = refreshToken(context, {clientId, username: found.username, refreshMs: found.refreshMs});
	return oauthAnswer({...accessToken(context, {username: found.username, session: refresh.session}), ...refresh.answer});
}

/** The refresh token a request names, if it is good and this client's; else ArcGIS's 498 (400 when none is named). */
function presentedRefresh(request: EmulatorRequest, context: EmulatorContext, clientId: string): {token: string; grant: RefreshGrant} | Reply {
	const token = request.param('refresh_token') ?? '';
	if (token === '') {
		return oauthError('invalid_request', 'refresh_token not specified');
	}

	const grant = context.oauth.refresh(token);
	if (grant === 'expired') {
		return oauthError('invalid_request', 'refresh_token expired', 498);
	}

	if (grant?.clientId !== clientId) {
		return oauthError('invalid_request', 'Invalid refresh_token', 498);
	}

	return {token, grant};
}

/**
The user grants of `oauth2/token`, once the client id is known: `authorization_code`,
`refresh_token` (a new access token; the refresh token is kept) and `exchange_refresh_token` (a new
refresh token and access token; the old refresh token is then dead). No client secret is asked:
ArcGIS's native and browser apps are public clients.
*/
export function userGrant(grant: string, request: EmulatorRequest, context: EmulatorContext, clientId: string, app: ResolvedOAuthApp): Reply {
	if (grant === 'authorization_code') {
		return authorizationCode(request, context, clientId);
	}

	if (grant === 'exchange_refresh_token') {
		const redirectUri = request.param('redirect_uri') ?? '';
		if (redirectUri === '') {
			return oauthError('invalid_request', 'redirect_uri not specified');
		}

		if (!redirectUriAllowed(app.redirectUris, redirectUri)) {
			return oauthError('invalid_request', 'Invalid redirect_uri');
		}
	}

	const presented = presentedRefresh(request, context, clientId);
	if (!('grant' in presented)) {
		return presented;
	}

	const {username, session, refreshMs} = presented.grant;
	if (grant === 'refresh_token') {
		return oauthAnswer(accessToken(context, {username, session}));
	}

	context.oauth.dropRefresh(presented.token);
	const refresh = refreshToken(context, {clientId, username, session, refreshMs});
	return oauthAnswer({...accessToken(context, {username, session}), ...refresh.answer});
}

/**
`POST {portal}/sharing/rest/oauth2/revokeToken` (`client_id`, `auth_token`, `token_type_hint`
ignored: both kinds are tried). A refresh token of this client goes with every access token its
grant minted; a user's OAuth access token goes alone. The answer is `{"success": true}` whatever
the token was — unknown, expired, another client's, or not an OAuth token at all (app and
generateToken tokens are not revoked) — so that it tells nothing.
*/
export function revokeToken(request: EmulatorRequest, context: EmulatorContext): Reply {
	context.stats.count('portal.oauth2.revokeToken');
	const clientId = request.param('client_id') ?? '';
	if (!context.options.oauthApps.has(clientId)) {
		return oauthError('invalid_client_id', 'Invalid client_id');
	}

	const token = request.param('auth_token') ?? '';
	if (context.oauth.refreshOf(token)?.clientId === clientId) {
		for (const access of context.oauth.revokeRefresh(token)) {
			context.tokens.revoke(access);
		}
	} else if (context.tokens.kindOf(token) === 'oauth') {
		context.tokens.revoke(token);
	}

	return json({success: true});
}
