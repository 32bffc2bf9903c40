import {TokenAuthenticationError, type ArcGISErrorObject} from '../errors.js';
import {scrub} from '../site/redact.js';
import {describeArcGISError, readArcGISError} from './arcgis-error.js';
import {parseJsonBody} from './json-body.js';
import {computeRefreshAt} from './expiry.js';

/** A token as the handler keeps it. Times are local-clock milliseconds. */
export type IssuedToken = {
	readonly token: string;
	/** Expiry as the server stated it (server clock); unknown for a token given without one. */
	readonly expires: Date | undefined;
	/** Expiry on the local clock, corrected by the server's `Date` header when it has one. */
	readonly expiresAt: number;
	/** When the handler fetches a replacement. */
	readonly refreshAt: number;
	/** The organisation is HTTPS-only: this token never travels over http. */
	readonly ssl: boolean;
	/**
	When the login that obtained it began (local clock): the server cannot have issued it sooner.
	Set by the fleet for a token taken from a store; else the token source's fetch start is used.
	*/
	readonly since?: number;
};

export type TokenResponse = {
	statusCode: number;
	body: string;
	/** The response's `Date` header, used to correct for a local clock that is off. */
	date: string | undefined;
};

type ParseContext = {
	url: URL;
	refreshMarginMs: number;
	/** Local time when the response arrived. */
	now: number;
	secrets: ReadonlyArray<string | undefined>;
};

// "Invalid username or password." (server, portal, AGOL), "Invalid credentials" (admin on some
// versions), "Invalid user name or password" — the server's wording varies, the meaning does not.
const BAD_CREDENTIALS = /invalid\s+(?:user\s*name|username|credentials|password)|incorrect\s+(?:user\s*name|username|password)/i;

function fail(code: 'INVALID_CREDENTIALS' | 'TOKEN_SERVICE_ERROR', message: string, context: ParseContext, arcgisError?: ArcGISErrorObject): TokenAuthenticationError {
	return new TokenAuthenticationError(code, message, {url: context.url, arcgisError});
}

/**
Reads a generateToken answer. `expires` is milliseconds since the epoch, a number from `tokens/`
and `sharing/`, a string from `admin/generateToken`. Anything that is not a usable, unexpired token
becomes a TokenAuthenticationError (see {@link isJudgedFailure} for which of them are kept).
*/
export function parseTokenResponse(response: TokenResponse, context: ParseContext): IssuedToken {
	const where = `the token service at ${context.url.origin}${context.url.pathname}`;
	const parsed = parseJsonBody(response.body);
	if (!parsed.ok) {
		throw fail('TOKEN_SERVICE_ERROR', `${where} answered HTTP ${response.statusCode} with ${parsed.reason}.`, context);
	}

	const arcgisError = readArcGISError(parsed.value);
	if (arcgisError) {
		const clean = scrubArcGISError(arcgisError, context.secrets);
		const text = describeArcGISError(clean);
		const code = BAD_CREDENTIALS.test(text) ? 'INVALID_CREDENTIALS' : 'TOKEN_SERVICE_ERROR';
		throw fail(code, `${where} refused the login: ${text}`, context, clean);
	}

	if (response.statusCode < 200 || response.statusCode >= 300) {
		throw fail('TOKEN_SERVICE_ERROR', `${where} answered HTTP ${response.statusCode}.`, context);
	}

	const value = parsed.value as Record<string, unknown> | null;
	const token = typeof value === 'object' && value !== null ? value.token : undefined;
	if (typeof token !== 'string' || token === '') {
		throw fail('TOKEN_SERVICE_ERROR', `${where} answered without a token.`, context);
	}

	if (!isTokenText(token)) {
		// A CR/LF would reach got as ERR_INVALID_CHAR in a header (or inject one); nothing real has it.
		throw fail('TOKEN_SERVICE_ERROR', `${where} answered a token with characters no token has (spaces, control or non-ASCII characters); it was not used.`, context);
	}

	const rawExpires = value?.expires;
	const expires = typeof rawExpires === 'string' && rawExpires.trim() !== '' ? Number(rawExpires) : rawExpires;
	if (typeof expires !== 'number' || !Number.isFinite(expires)) {
		throw fail('TOKEN_SERVICE_ERROR', `${where} answered a token without a usable expiry (expires must be milliseconds since the epoch).`, context);
	}

	const serverNow = response.date ? Date.parse(response.date) : Number.NaN;
	const lifetimeMs = expires - (Number.isFinite(serverNow) ? serverNow : context.now);
	if (lifetimeMs <= 0) {
		throw fail('TOKEN_SERVICE_ERROR', `${where} answered a token that has already expired (${new Date(expires).toISOString()}).`, context);
	}

	return {
		token,
		expires: new Date(expires),
		expiresAt: context.now + lifetimeMs,
		refreshAt: computeRefreshAt(context.now, lifetimeMs, context.refreshMarginMs),
		ssl: value?.ssl === true,
	};
}

/** Printable ASCII without spaces: what ArcGIS tokens and API keys are made of, and what a header, a query and a form carry as is. */
export function isTokenText(value: string): boolean {
	return /^[\x21-\x7e]+$/.test(value);
}

export function scrubArcGISError(error: ArcGISErrorObject, secrets: ReadonlyArray<string | undefined>): ArcGISErrorObject {
	const details = Array.isArray(error.details)
		? (error.details as unknown[]).map(item => (typeof item === 'string' ? scrub(item, secrets) : item))
		: typeof error.details === 'string'
			? scrub(error.details, secrets)
			: error.details;
	return {...error, message: error.message === undefined ? undefined : scrub(error.message, secrets), details};
}

/**
Whether the token service judged the request (answered an ArcGIS error body). Such a failure is
kept and handed to every later request until `reset()`: sending the same credentials again would
only count towards an account lockout. Transport failures and garbage answers are not kept.
*/
export function isJudgedFailure(error: unknown): error is TokenAuthenticationError {
	if (!(error instanceof TokenAuthenticationError)) {
		return false;
	}

	// An enterprise login is judged by the identity provider's pages, which carry no ArcGIS error.
	return (
		error.code === 'SAML_LOGIN_FAILED' ||
		(error.arcgisError !== undefined && (error.code === 'INVALID_CREDENTIALS' || error.code === 'TOKEN_SERVICE_ERROR' || error.code === 'OAUTH_ERROR' || error.code === 'SIGN_IN_REQUIRED'))
	);
}
