import got, {RequestError, type Agents, type OptionsInit} from 'got';
import {TokenAuthenticationError} from '../errors.js';
import {readCapped, MAX_ANSWER_BYTES} from '../http/capped-answer.js';
import type {Patience} from '../shared-call.js';
import {redactUrl} from '../site/redact.js';
import {clientCertificateError, type TlsMaterial} from '../tls/client-certificate.js';

/** What the handler's own calls borrow from the request that triggered them. */
export type CallContext = {
	/**
	How long the request that needs this call waits for it (its own timeout and signal). The call
	itself is shared and keeps its own deadline; see SharedCall.
	*/
	patience?: Patience;
	/** The shared call's signal: aborted when every request waiting for it has given up. */
	signal?: AbortSignal;
	/** The caller's agents: the token call reuses the session's keep-alive connections. */
	agent?: Agents;
	/** The caller's name resolution: the site must resolve the same way for the handler's calls. */
	dnsLookup?: OptionsInit['dnsLookup'];
};

/**
The got options of one of the handler's own calls: its own deadline (a site that accepts and never
answers must not hang the script), the shared call's signal, and what it borrows from the caller.
*/
export function callOptions(call: CallContext, deadlineMs: number): Pick<OptionsInit, 'timeout' | 'agent' | 'dnsLookup' | 'signal'> {
	return {
		timeout: {request: deadlineMs},
		...(call.signal ? {signal: call.signal} : {}),
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
	readonly #deadlineMs: number;

	/** `deadlineMs`: the deadline of each call (the handler's `callTimeout`). */
	constructor(verify: boolean, tls: TlsMaterial, deadlineMs: number) {
		this.#tls = tls;
		this.#deadlineMs = deadlineMs;
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
		return this.#send(url, call, {method: 'GET', followRedirect: true}, 'DISCOVERY_FAILED');
	}

	/**
	POST a form. Redirects are not followed: got re-sends a POST body on 307/308, and this body
	holds a password, which must not follow a Location header anywhere.
	*/
	async postForm(url: URL, form: Record<string, string>, call: CallContext): Promise<RawAnswer> {
		return this.#send(url, call, {method: 'POST', form, followRedirect: false}, 'TOKEN_SERVICE_ERROR');
	}

	async #send(
		url: URL,
		call: CallContext,
		request: {method: 'GET' | 'POST'; form?: Record<string, string>; followRedirect: boolean},
		tooLargeCode: 'DISCOVERY_FAILED' | 'TOKEN_SERVICE_ERROR',
	): Promise<RawAnswer> {
		try {
			const response = await readCapped(this.#got(url, {...request, ...callOptions(call, this.#deadlineMs)}), () => answerTooLarge(tooLargeCode, url));
			return {statusCode: response.statusCode, body: response.body, date: response.headers.date, rawHeaders: response.rawHeaders};
		} catch (error: unknown) {
			throw error instanceof RequestError && !(error instanceof TokenAuthenticationError) ? networkError(error, url, this.#tls) : error;
		}
	}
}

/** An answer larger than any real rest/info or token answer (see MAX_ANSWER_BYTES). */
export function answerTooLarge(code: 'DISCOVERY_FAILED' | 'TOKEN_SERVICE_ERROR', url: URL): TokenAuthenticationError {
	return new TokenAuthenticationError(code, `${redactUrl(url)} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB; a real ArcGIS answer is a few hundred bytes, so it was not read further.`, {
		url,
	});
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
