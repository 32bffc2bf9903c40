import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import got, {RequestError, type Got, type OptionsInit} from 'got';
import type {CookieJar} from 'tough-cookie';
import {TokenAuthenticationError} from '../errors.js';
import {MAX_ANSWER_BYTES, readCapped} from '../http/capped-answer.js';
import {networkError} from '../token/arcgis-client.js';
import type {IdpAnswer} from './idp-windows-login.js';

/** One request of the login walk. */
export type WalkRequest = {url: URL; method: 'GET' | 'POST'; form?: Record<string, string>; authorization?: string};

export type BrowserSettings = {
	verify: boolean;
	callTimeoutMs: number;
	signal?: AbortSignal | undefined;
	userAgent?: string | undefined;
	portalOrigin: string;
	/** The caller's name resolution (a request's `dnsLookup`): the identity provider must resolve as the caller's hosts do. */
	dnsLookup?: OptionsInit['dnsLookup'] | undefined;
};

/**
The enterprise login's own browser, thrown away after the login. Cookies are kept per origin (not
per host, as cookie rules would have it), so no identity-provider cookie can reach the portal even
when both share a host name. Each origin has one keep-alive connection, so an NTLM handshake's three
legs share their socket. Redirects are not followed: the walk decides what each one means (the code
arrives in one). The identity provider may get a User-Agent of the caller's (AD FS serves Windows
authentication only to listed browsers); the portal never does.
*/
export class LoginBrowser {
	readonly #settings: BrowserSettings;
	readonly #jars = new Map<string, CookieJar>();
	readonly #agents = new Map<string, HttpAgent>();
	readonly #got: Got;

	constructor(settings: BrowserSettings) {
		this.#settings = settings;
		this.#got = got.extend({throwHttpErrors: false, followRedirect: false, retry: {limit: 0}, responseType: 'text', https: {rejectUnauthorized: settings.verify}});
	}

	async send(request: WalkRequest): Promise<IdpAnswer> {
		const {url} = request;
		const jar = await this.#jar(url.origin);
		const cookie = await jar.getCookieString(url.href);
		const headers: Record<string, string> = {
			...(cookie === '' ? {} : {cookie}),
			...(request.authorization ? {authorization: request.authorization} : {}),
			...(this.#settings.userAgent && url.origin !== this.#settings.portalOrigin ? {'user-agent': this.#settings.userAgent} : {}),
		};
		try {
			const response = await readCapped(
				this.#got(url, {
					method: request.method,
					headers,
					...(request.form ? {form: request.form} : {}),
					agent: {[url.protocol === 'https:' ? 'https' : 'http']: this.#agent(url)},
					timeout: {request: this.#settings.callTimeoutMs},
					...(this.#settings.signal ? {signal: this.#settings.signal} : {}),
					...(this.#settings.dnsLookup ? {dnsLookup: this.#settings.dnsLookup} : {}),
				}),
				() =>
					new TokenAuthenticationError('SAML_LOGIN_FAILED', `${url.host} answered more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB during the enterprise login; no login page is that large.`, {url}),
			);
			for (const value of [response.headers['set-cookie'] ?? []].flat()) {
				await jar.setCookie(value, url.href, {ignoreError: true});
			}

			return {statusCode: response.statusCode, headers: response.headers, rawHeaders: response.rawHeaders, body: response.body, url};
		} catch (error: unknown) {
			throw error instanceof RequestError && !(error instanceof TokenAuthenticationError) ? networkError(error, new URL(url.origin + url.pathname), {}) : error;
		}
	}

	close(): void {
		for (const agent of this.#agents.values()) {
			agent.destroy();
		}

		this.#agents.clear();
	}

	async #jar(origin: string): Promise<CookieJar> {
		let jar = this.#jars.get(origin);
		if (!jar) {
			// Loaded on first use: only enterprise logins need it.
			const {CookieJar: Jar} = await import('tough-cookie');
			jar = new Jar();
			this.#jars.set(origin, jar);
		}

		return jar;
	}

	#agent(url: URL): HttpAgent {
		let agent = this.#agents.get(url.origin);
		if (!agent) {
			const options = {keepAlive: true, maxSockets: 1};
			agent = url.protocol === 'https:' ? new HttpsAgent({...options, rejectUnauthorized: this.#settings.verify}) : new HttpAgent(options);
			this.#agents.set(url.origin, agent);
		}

		return agent;
	}
}
