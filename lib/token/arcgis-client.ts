import got, {RequestError, type Agents, type Delays, type OptionsInit} from 'got';
import {TokenAuthenticationError} from '../errors.js';
import {redactUrl} from '../site/redact.js';
import {clientCertificateError, type TlsMaterial} from '../tls/client-certificate.js';

/** What the handler's own calls borrow from the request that triggered them. */
export type CallContext = {
	/** The caller's timeouts: a hanging token service fails the request in the caller's time. */
	timeout?: Partial<Delays>;
	/** The caller's agents: the token call reuses the session's keep-alive connections. */
	agent?: Agents;
	/** The caller's name resolution: the site must resolve the same way for the handler's calls. */
	dnsLookup?: OptionsInit['dnsLookup'];
};

/** The got options a call borrows from its CallContext (only those the caller set). */
export function callOptions(call: CallContext): Pick<OptionsInit, 'timeout' | 'agent' | 'dnsLookup'> {
	return {
		...(call.timeout ? {timeout: call.timeout} : {}),
		...(call.agent ? {agent: call.agent} : {}),
		...(call.dnsLookup ? {dnsLookup: call.dnsLookup} : {}),
	};
}

export type RawAnswer = {
	statusCode: number;
	body: string;
	date: string | undefined;
	/** Node's flat raw header list: repeated WWW-Authenticate headers stay apart there. */
	rawHeaders: string[];
};

/**
The handler's own HTTP calls (site discovery, generateToken). A got instance of its own, without
the handler's hooks, so these calls never authenticate themselves recursively.
*/
export class ArcGISClient {
	readonly #got: typeof got;
	readonly #tls: TlsMaterial;

	constructor(verify: boolean, tls: TlsMaterial = {}) {
		this.#tls = tls;
		this.#got = got.extend({
			// A PKI site wants the client certificate on discovery and generateToken too.
			https: {rejectUnauthorized: verify, ...tls},
			throwHttpErrors: false,
			// The library answers failures itself (the next request tries again); got's hidden
			// back-off retries would only delay the caller's error by seconds.
			retry: {limit: 0},
			responseType: 'text',
		});
	}

	/** GET a JSON endpoint; redirects are followed (nothing secret travels). */
	async getJson(url: URL, call: CallContext): Promise<RawAnswer> {
		return this.#send(url, call, {method: 'GET', followRedirect: true});
	}

	/**
	POST a form. Redirects are not followed: got re-sends a POST body on 307/308, and this body
	holds a password, which must not follow a Location header anywhere.
	*/
	async postForm(url: URL, form: Record<string, string>, call: CallContext): Promise<RawAnswer> {
		return this.#send(url, call, {method: 'POST', form, followRedirect: false});
	}

	async #send(url: URL, call: CallContext, request: {method: 'GET' | 'POST'; form?: Record<string, string>; followRedirect: boolean}): Promise<RawAnswer> {
		try {
			const response = await this.#got(url, {
				...request,
				...callOptions(call),
			});
			return {statusCode: response.statusCode, body: response.body, date: response.headers.date, rawHeaders: response.rawHeaders};
		} catch (error: unknown) {
			throw error instanceof RequestError ? networkError(error, url, this.#tls) : error;
		}
	}
}

/**
A failed call of the handler's own, told as the library's error: a client-certificate refusal in
words, anything else as NETWORK_ERROR. Not got's error itself as the cause: util.inspect prints a
cause, and got's carries the request options — for generateToken, the form with the password.
*/
export function networkError(error: RequestError, url: URL, tls: TlsMaterial): TokenAuthenticationError {
	const refused = clientCertificateError(error.code, url, tls);
	if (refused) {
		return refused;
	}

	const cause = Object.assign(new Error(error.message), {code: error.code});
	return new TokenAuthenticationError('NETWORK_ERROR', `Could not reach ${redactUrl(url)}: ${error.message}`, {url, cause});
}
