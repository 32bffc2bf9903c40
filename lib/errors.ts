import {RequestError, type NormalizedOptions, type Options} from 'got';
import {redactUrl} from './site/redact.js';

/**
Stable codes of {@link TokenAuthenticationError}. Callers branch on these, so a code is never
renamed; new situations get new codes.
*/
export type TokenAuthenticationErrorCode =
	/** generateToken said the username or password is wrong. Not retried: accounts lock. */
	| 'INVALID_CREDENTIALS'
	/** generateToken answered, but with an error or with something that is not a token. */
	| 'TOKEN_SERVICE_ERROR'
	/** `rest/info` (site discovery) answered with something unusable. */
	| 'DISCOVERY_FAILED'
	/** The token or discovery endpoint could not be reached (connection, timeout, TLS). */
	| 'NETWORK_ERROR'
	/** A password or token would have travelled over plain http. */
	| 'INSECURE_TRANSPORT'
	/** The site answered 498/499 and the request could not be sent again (its body was a stream). */
	| 'TOKEN_REJECTED'
	/** The site has no token security (used as the code of the `TokenAuthenticationWarning`). */
	| 'NO_TOKEN_SECURITY'
	/** A token given to `ArcGISTokenAuth` has expired or was rejected, and it cannot be renewed. */
	| 'TOKEN_EXPIRED'
	/** Kerberos / NTLM authentication against the web tier failed. */
	| 'WEB_TIER_FAILED'
	/** A portal handler was used on a token-secured server that is not federated with its portal: the portal's token is never sent there. */
	| 'NOT_FEDERATED'
	/** The site asked for a client certificate (PKI) and none was given, or it refused the one given. */
	| 'CLIENT_CERTIFICATE'
	/** An OAuth endpoint of the portal refused the request (a client id or secret it does not know). Kept until `reset()`. */
	| 'OAUTH_ERROR'
	/** The portal refused the refresh token (expired or revoked): a person must sign in again (`arcgis-auth login`). Kept until `reset()`. */
	| 'SIGN_IN_REQUIRED'
	/** An enterprise (SAML) login did not succeed: the identity provider refused it, or a page the login needs was not there. Tried once, kept until `reset()`: identity providers lock accounts too. */
	| 'SAML_LOGIN_FAILED'
	/**
	The shared token store (option `store`) failed: down, slow or refusing writes. Only the code of a
	`TokenAuthenticationWarning`: the request goes on as without a store.
	*/
	| 'STORE_UNAVAILABLE'
	/** A constructor argument or option is not usable. */
	| 'INVALID_OPTION';

/** An ArcGIS error as the server sent it (REST's `error` object, or the Administrator API's shape). */
export type ArcGISErrorObject = {
	/** The ArcGIS code (400, 498, 499...), not always the HTTP status. */
	code?: number | string;
	/** The server's message. */
	message?: string;
	/** Further details: an array of strings, or a string. */
	details?: unknown;
	/** Portal's message code, e.g. `GWM_0003`. */
	messageCode?: string;
};

/** What a {@link TokenAuthenticationError} is made with. */
export type ErrorInit = {
	/** The URL involved (redacted when stored). */
	url?: URL | string;
	/** The server's error object. */
	arcgisError?: ArcGISErrorObject;
	/** The underlying error. */
	cause?: unknown;
	/** The got request options (kept out of inspection). */
	options?: Options | NormalizedOptions;
};

/**
The one error type of this library.

It extends got's `RequestError` on purpose: got wraps anything thrown inside a hook into its own
`RequestError` unless it already is one, so extending it is what lets this error reach
`await got(...)` callers as itself (as the Python original's extends `RequestException`).
*/
export class TokenAuthenticationError extends RequestError {
	/** Always `'TokenAuthenticationError'`. */
	override name = 'TokenAuthenticationError';
	/** The stable code: branch on this, not on the message. */
	declare code: TokenAuthenticationErrorCode;
	/** The URL involved, with `token`, `password` and similar query values removed. */
	readonly url: string | undefined;
	/** The server's `error` object (or admin-style `{status, messages, code}`), when there was one. */
	readonly arcgisError: ArcGISErrorObject | undefined;

	/**
	Errors are made by the library; callers read them. Left out of the API reference, but not
	marked internal: stripped from the shipped types, the class would show got's `RequestError`
	constructor (message, error, options) instead, a signature it does not have.
	@hidden
	*/
	constructor(code: TokenAuthenticationErrorCode, message: string, init: ErrorInit = {}) {
		// got's RequestError wants an Options or a Request as its third argument; errors raised outside
		// a request (constructor checks) have neither, and got copes with `undefined` there.
		super(message, {code, cause: init.cause}, init.options as Options | undefined as Options);
		this.code = code;
		this.url = init.url === undefined ? undefined : redactUrl(init.url);
		this.arcgisError = init.arcgisError;
		// got stores the request options enumerably; they can hold a token (query, body or header)
		// from an earlier attempt, so keep them reachable but out of util.inspect / JSON.stringify.
		Object.defineProperty(this, 'options', {enumerable: false, value: init.options, writable: true});
		Object.defineProperty(this, 'cause', {enumerable: false, value: init.cause, writable: true});
	}

	/** @internal The same error for one request: got reads `options` when it decides on retries. */
	forRequest(options: Options | NormalizedOptions, speaker?: string): TokenAuthenticationError {
		return new TokenAuthenticationError(this.code, spoken(this.message, speaker), {url: this.url, arcgisError: this.arcgisError, cause: this.cause, options});
	}

	/** @internal The same error, its message starting with the handler's class name (see invalidOption's rule). */
	spokenBy(speaker: string): TokenAuthenticationError {
		const message = spoken(this.message, speaker);
		return message === this.message ? this : new TokenAuthenticationError(this.code, message, {url: this.url, arcgisError: this.arcgisError, cause: this.cause, options: this.options});
	}
}

/** The message with the speaker in front, once: a message that names a speaker already keeps its own. */
function spoken(message: string, speaker: string | undefined): string {
	if (speaker === undefined || message.startsWith(`${speaker}: `) || message.startsWith('got-arcgis-auth: ')) {
		return message;
	}

	return `${speaker}: ${message}`;
}

/**
An `INVALID_OPTION` error: a constructor argument, an option or a setter's argument that cannot
work, found at the call, before any request. The one place such errors are made.

The message rule of this library:
- option and argument errors (these) start with `got-arcgis-auth: `: they surface in the caller's
  own code at a constructor, `createSession` or a setter, where nothing else says which library is
  speaking. Then the option or argument by name and what it must be (never a secret's value).
- errors raised while a request runs start with the handler's class name (`ArcGISPortalAuth: `):
  a program may use several handlers, and the URL they concern is in the message and in `url`.
  The pipeline puts it there, in one place, as an error leaves for the caller (forRequest), and
  getToken does the same; the parts that make the errors do not repeat it.
*/
export function invalidOption(message: string): TokenAuthenticationError {
	return new TokenAuthenticationError('INVALID_OPTION', `got-arcgis-auth: ${message}`);
}
