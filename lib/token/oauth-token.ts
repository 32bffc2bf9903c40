import {TokenAuthenticationError, type ArcGISErrorObject} from '../errors.js';
import {scrub} from '../site/redact.js';
import {describeArcGISError, readArcGISError} from './arcgis-error.js';
import {computeRefreshAt} from './expiry.js';
import {isTokenText, scrubArcGISError, type IssuedToken, type TokenResponse} from './issued-token.js';
import {parseJsonBody} from './json-body.js';

type ParseContext = {
	url: URL;
	refreshMarginMs: number;
	/** Local time when the response arrived. */
	now: number;
	secrets: ReadonlyArray<string | undefined>;
};

/**
The error of an OAuth answer: ArcGIS's nested object (`{"error": {"code": 400, "error":
"invalid_client_id", "error_description": …}}`), or RFC 6749's flat one (`{"error":
"invalid_grant", "error_description": …}`), which a proxy or a later release may send.
*/
function oauthError(body: unknown): ArcGISErrorObject | undefined {
	const nested = readArcGISError(body);
	if (nested) {
		const inner = (body as {error: Record<string, unknown>}).error;
		const description = typeof inner.error_description === 'string' ? inner.error_description : undefined;
		return {...nested, message: nested.message ?? description};
	}

	const flat = body as {error?: unknown; error_description?: unknown} | null;
	if (typeof flat === 'object' && flat !== null && typeof flat.error === 'string') {
		return {message: typeof flat.error_description === 'string' ? flat.error_description : flat.error, details: []};
	}

	return undefined;
}

/** An OAuth 2.0 endpoint of a portal, whose root is as the site binding keeps it (no `/sharing/rest`). */
export function oauthUrl(portalRoot: string, endpoint: 'token' | 'authorize' | 'revokeToken'): URL {
	return new URL(`${portalRoot}/sharing/rest/oauth2/${endpoint}`);
}

/**
Reads an answer of `oauth2/token`. Not a generateToken answer: the token is `access_token`, its
lifetime `expires_in` in SECONDS (generateToken's `expires` is a time in milliseconds), and there
is no `token_type`. ArcGIS sends it as `text/plain` and reports errors in HTTP 200 bodies, so the
body is parsed as JSON whatever its content type — the general OAuth clients (oauth4webapi,
openid-client) refuse these answers for those reasons, hence this small reader of our own.
*/
/** What an `oauth2/token` answer may carry besides the access token (user grants). */
export type OAuthAnswer = {
	readonly issued: IssuedToken;
	/** A new refresh token (exchange_refresh_token, authorization_code; a refresh may rotate it). */
	readonly refreshToken?: string;
	/** When that refresh token expires on the local clock, when the answer says (`refresh_token_expires_in`, seconds). */
	readonly refreshTokenExpiresAt?: number;
	/** The signed-in user, for `auth.username`. */
	readonly username?: string;
};

/** The answer of a renewal (readRenewalAnswer): an OAuthAnswer that may lack the access token. */
export type RenewalAnswer = Omit<OAuthAnswer, 'issued'> & {readonly issued: IssuedToken | undefined};

export function readOAuthAnswer(response: TokenResponse, context: ParseContext): OAuthAnswer {
	const answer = readAnswer(response, context, true);
	return {...answer, issued: answer.issued!};
}

/**
The answer of `exchange_refresh_token`: its point is the new refresh token, and an answer that
carries one without an access token is no failure — throwing it away would lose the only refresh
token the portal still accepts. `issued` is then undefined; the caller asks for an access token.
*/
export function readRenewalAnswer(response: TokenResponse, context: ParseContext): RenewalAnswer {
	return readAnswer(response, context, false);
}

function readAnswer(response: TokenResponse, context: ParseContext, needsAccessToken: boolean): RenewalAnswer {
	const where = `the OAuth token service at ${context.url.origin}${context.url.pathname}`;
	const parsed = parseJsonBody(response.body);
	if (!parsed.ok) {
		throw new TokenAuthenticationError('TOKEN_SERVICE_ERROR', `${where} answered HTTP ${response.statusCode} with ${parsed.reason}.`, {url: context.url});
	}

	const refused = oauthError(parsed.value);
	if (refused) {
		const clean = scrubArcGISError(refused, context.secrets);
		throw new TokenAuthenticationError('OAUTH_ERROR', `${where} refused the request: ${scrub(describeArcGISError(clean), context.secrets)}`, {url: context.url, arcgisError: clean});
	}

	if (response.statusCode < 200 || response.statusCode >= 300) {
		throw new TokenAuthenticationError('TOKEN_SERVICE_ERROR', `${where} answered HTTP ${response.statusCode}.`, {url: context.url});
	}

	const value = parsed.value as Record<string, unknown> | null;
	const refreshToken = value?.refresh_token;
	const usableRefreshToken = typeof refreshToken === 'string' && isTokenText(refreshToken);
	const token = typeof value === 'object' && value !== null ? value.access_token : undefined;
	let issued: IssuedToken | undefined;
	if (token !== undefined || needsAccessToken || !usableRefreshToken) {
		if (typeof token !== 'string' || token === '' || !isTokenText(token)) {
			throw new TokenAuthenticationError('TOKEN_SERVICE_ERROR', `${where} answered without a usable access_token.`, {url: context.url});
		}

		const seconds = value?.expires_in;
		if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
			throw new TokenAuthenticationError('TOKEN_SERVICE_ERROR', `${where} answered an access token without a usable expires_in (seconds).`, {url: context.url});
		}

		const lifetimeMs = seconds * 1000;
		const expiresAt = context.now + lifetimeMs;
		issued = {token, expires: new Date(expiresAt), expiresAt, refreshAt: computeRefreshAt(context.now, lifetimeMs, context.refreshMarginMs), ssl: value?.ssl === true};
	}

	const refreshSeconds = value?.refresh_token_expires_in;
	const username = value?.username;
	return {
		issued,
		...(usableRefreshToken ? {refreshToken} : {}),
		...(typeof refreshSeconds === 'number' && Number.isFinite(refreshSeconds) && refreshSeconds > 0 ? {refreshTokenExpiresAt: context.now + refreshSeconds * 1000} : {}),
		...(typeof username === 'string' && username !== '' ? {username} : {}),
	};
}
