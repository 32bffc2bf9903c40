import {inspect} from 'node:util';
import type {AfterResponseHook, BeforeErrorHook, BeforeRedirectHook, BeforeRequestHook, Hooks, NormalizedOptions, Options, Response} from 'got';
import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {checkCredentials, resolveOptions, type AuthOptions, type ResolvedOptions, type WebTierOptions} from '../options.js';
import {isSameOriginOrUpgrade} from '../site/origin-policy.js';
import {redactUrl} from '../site/redact.js';
import {deriveSiteRoot, serverRootOf} from '../site/site-root.js';
import {Federation} from '../federation/federation.js';
import {isOwnedBy} from '../federation/owning-system.js';
import {applyTls, clientCertificateError, hasClientCertificate, removeTls} from '../tls/client-certificate.js';
import {assertSecureTransport} from '../site/transport.js';
import {patienceOf} from '../shared-call.js';
import {ArcGISClient, type CallContext} from '../token/arcgis-client.js';
import {tokenForm} from '../token/token-form.js';
import {TokenExchange} from '../federation/exchange.js';
import {parseTokenResponse, type IssuedToken} from '../token/issued-token.js';
import {TokenSource, type CurrentToken} from '../token/token-source.js';
import {WebTier} from '../web-tier/web-tier.js';
import type {Challenge} from '../web-tier/www-authenticate.js';
import {SiteRules, type SiteKind, type TokenEndpoint} from './site-rules.js';
import type {Site} from './site.js';
import {convertGetToPost} from '../http/force-post.js';
import {isStreamBody} from '../http/form-body.js';
import {redactRequestError} from '../http/error-redaction.js';
import {isInvalidTokenResponse} from '../http/invalid-token.js';
import {ownError} from '../http/own-error.js';
import {readState, writeState, type RequestState} from '../http/request-state.js';
import {choosePlacement, hasCallerToken, placeToken, removeToken} from '../http/token-placement.js';

/** The got hooks a handler contributes; usable in `got(url, {hooks})` and `got.extend({hooks})`. */
export type AuthHooks = Pick<Hooks, 'beforeRequest' | 'beforeRedirect' | 'afterResponse' | 'beforeError'>;

export type {Site} from './site.js';

/** What a concrete handler is: the product it talks to, and whether it speaks the web tier. */
export type HandlerKind = {
	/** The class name, for messages and `util.inspect`. */
	name: string;
	site: SiteKind;
	/** General handlers: token, else Kerberos/NTLM; credentials optional. */
	webTier: boolean;
};

/** A token obtained elsewhere (an API key, another tool's token), with its expiry if known. */
export type GivenToken = {
	/** The token or API key. */
	value: string;
	/** When it expires, if known. */
	expires?: Date;
};

let handlerCount = 0;

/** Where a request goes, as the handler sees it: its own site, a server federated with its portal, or elsewhere. */
type Target = {kind: 'site'} | {kind: 'server'; root: string};

/**
What every handler shares: the got hooks, the site binding, token sources, placement, refresh on
498/499, redirects, transport rules and, for the general handlers, the web tier. A concrete handler
only names what it is (a `HandlerKind`): where its tokens come from is the `SiteRules`'s.
*/
export abstract class ArcGISAuthBase {
	/** The got hooks to pass as `hooks` (or to merge with your own). */
	readonly hooks: AuthHooks;

	readonly #kind: HandlerKind;
	readonly #settings: ResolvedOptions;
	readonly #client: ArcGISClient;
	readonly #rules: SiteRules;
	readonly #webTier: WebTier | undefined;
	readonly #federation: Federation;
	/** Made on first use: it sends through this handler's own hooks. */
	#exchange: TokenExchange | undefined;

	#username: string | undefined;
	#password: string | undefined;
	#given: GivenToken | undefined;
	#givenUsed = false;
	#site: Site | undefined;
	#sources = new Map<string, TokenSource<CallContext>>();
	#lastSource: TokenSource<CallContext> | undefined;
	readonly #contextKey = `got-arcgis-auth#${++handlerCount}`;

	protected constructor(kind: HandlerKind, username: string | undefined, password: string | undefined, options: (AuthOptions & WebTierOptions) | undefined, given?: GivenToken) {
		checkCredentials(username, password, !kind.webTier && given === undefined);
		this.#given = given;
		this.#kind = kind;
		this.#username = username;
		this.#password = password;
		this.#settings = resolveOptions(options);
		this.#client = new ArcGISClient(this.#settings.verify, this.#settings.tls, this.#settings.callTimeoutMs);
		this.#webTier = kind.webTier
			? new WebTier({
					label: kind.name,
					username: () => this.#username,
					password: () => this.#password,
					spn: this.#settings.spn,
					mutualAuth: this.#settings.mutualAuth,
					workstation: this.#settings.workstation,
				})
			: undefined;
		// A general handler given a client certificate and no password: the certificate is who the user is.
		const certificateIsIdentity = () => kind.webTier && this.#password === undefined && hasClientCertificate(this.#settings.tls);
		this.#rules = new SiteRules(kind.site, this.#client, kind.name, this.#webTier, certificateIsIdentity);
		this.#federation = new Federation(this.#client, kind.name, kind.webTier);

		const beforeRequest: BeforeRequestHook = async options => this.#beforeRequest(options);
		const beforeRedirect: BeforeRedirectHook = (options, response) => {
			this.#beforeRedirect(options, new URL(response.url));
		};

		const afterResponse: AfterResponseHook = async (response, retry) => this.#afterResponse(response, retry);
		const beforeError: BeforeErrorHook = error => this.#beforeError(error);
		this.hooks = {beforeRequest: [beforeRequest], beforeRedirect: [beforeRedirect], afterResponse: [afterResponse], beforeError: [beforeError]};
	}

	/** The username the handler logs in with, if any. */
	get username(): string | undefined {
		return this.#username;
	}

	/** The token in use (the last one obtained), as Python's `auth.token`. */
	get token(): string | undefined {
		return this.#lastSource?.current?.token;
	}

	/** When that token expires, as the server stated it. */
	get expires(): Date | undefined {
		return this.#lastSource?.current?.expires;
	}

	/** Whether the token in use is for an HTTPS-only organisation (`ssl: true`): it never travels over http. */
	get ssl(): boolean | undefined {
		return this.#lastSource?.current?.ssl;
	}

	/** The site the handler is bound to (after its first request). */
	get site(): Site | undefined {
		return this.#site;
	}

	/**
	Forgets tokens, discovery results and a kept login failure: the next request starts afresh.
	After a failed login this is the one way to try again (accounts lock after a few failures).
	*/
	reset(): void {
		for (const source of this.#sources.values()) {
			source.reset();
		}

		this.#sources.clear();
		this.#lastSource = undefined;
		// A given token is not forgotten: it is handed out again, and fails only if it has expired.
		this.#givenUsed = false;
		this.#site = undefined;
		this.#rules.reset();
		this.#federation.reset();
		this.#webTier?.reset();
	}

	/** @internal Replaces the credentials and resets the handler (the handlers that log in: setCredentials). */
	protected replaceCredentials(username: string, password: string): void {
		checkCredentials(username, password, true);
		this.#username = username;
		this.#password = password;
		this.reset();
	}

	/**
	A token for a URL of the site, obtained as a request to it would obtain one (binding the site if
	this is the first use). Undefined when the site does not use tokens.
	*/
	async getToken(url: string | URL): Promise<string | undefined> {
		const href = new URL(url);
		const target = this.#target(href);
		if (!target) {
			return undefined;
		}

		const found = await this.#tokenFor(href, target, {});
		return found?.token.token;
	}

	/** What `util.inspect(auth)` shows: a summary without password or token. */
	[inspect.custom](): string {
		return `${this.#kind.name} ${inspect(this.toJSON())}`;
	}

	/** A summary without secrets, for logs and `JSON.stringify`. */
	toJSON(): Record<string, unknown> {
		return {
			type: this.#kind.name,
			username: this.#username,
			site: this.#site?.root,
			hasToken: this.token !== undefined,
			expires: this.expires?.toISOString(),
		};
	}

	#bind(url: URL): Site {
		this.#site ??= {origin: new URL(url.origin), root: deriveSiteRoot(url, this.#settings.instance)};
		return this.#site;
	}

	/**
	What a URL is to this handler. A portal handler tells its portal's URLs from those of ArcGIS
	Servers (`/rest`, `/admin`, `/tokens` under another root): those are federation's to judge,
	wherever they are. Anything else off the site's origin passes through untouched.
	*/
	#target(url: URL): Target | undefined {
		if (this.#kind.site === 'portal') {
			const root = serverRootOf(url);
			if (root !== undefined && root.toLowerCase() !== this.#site?.root.toLowerCase()) {
				return {kind: 'server', root};
			}
		}

		return isSameOriginOrUpgrade(this.#bind(url).origin, url) ? {kind: 'site'} : undefined;
	}

	/** The token source under a key (a token endpoint, or a federated server); one per key, made on first use. */
	#source(key: string, label: string, fetch: (call: CallContext, signal: AbortSignal) => Promise<IssuedToken>): TokenSource<CallContext> {
		let source = this.#sources.get(key);
		if (!source) {
			source = new TokenSource(`${this.#kind.name} ${label}`, fetch);
			this.#sources.set(key, source);
		}

		return source;
	}

	async #siteSource(url: URL, site: Site, call: CallContext): Promise<{key: string; source: TokenSource<CallContext>} | undefined> {
		const endpoint = await this.#rules.tokenEndpoint(url, site, call);
		if (!endpoint) {
			return undefined;
		}

		const key = endpoint.forServer === undefined ? endpoint.url.href : `${endpoint.url.href} for ${endpoint.forServer}`;
		return {key, source: this.#source(key, redactUrl(endpoint.url), async (args, signal) => this.#fetchToken(endpoint, {...args, signal}))};
	}

	/** A federated server's token source: its own server token, or (ArcGIS Online hosting) the portal's. */
	async #serverSource(root: string, call: CallContext): Promise<{key: string; source: TokenSource<CallContext>} | undefined> {
		const plan = await this.#federation.plan(root, this.#site?.root, call);
		if (plan.kind === 'none') {
			return undefined;
		}

		if (plan.kind === 'web-tier') {
			await this.#serverBehindWebTier(root, plan.challenges, plan.infoUrl);
			return undefined;
		}

		const portalUrl = new URL(`${plan.portalRoot}/sharing/rest`);
		// The first request went to a server: the portal it names becomes the handler's site.
		this.#site ??= {origin: new URL(portalUrl.origin), root: plan.portalRoot};
		const portal = this.#site;
		if (!isOwnedBy(plan.portalRoot, portal.root)) {
			// Another first request bound another portal while this server was being read.
			throw this.#federation.notFederated(root, plan.portalRoot, portal.root);
		}

		if (plan.kind === 'portal') {
			return this.#siteSource(portalUrl, portal, call);
		}

		const key = `server ${root.toLowerCase()}`;
		this.#exchange ??= new TokenExchange(this.hooks, this.#settings, this.#kind.name);
		const exchange = this.#exchange;
		// Every token the handler holds is scrubbed from the portal's messages, with the password.
		return {key, source: this.#source(key, `server token for ${redactUrl(root)}`, async (args, signal) => exchange.serverToken(root, portal.root, {...args, signal}, this.#secrets()))};
	}

	/**
	A server whose `rest/info` answered 401 to a general portal handler: the web tier guards it, as
	it guards the portal on that host, and authenticates its requests without a token. The web tier
	serves one origin: the portal's, or this server's when no portal is known yet.
	*/
	async #serverBehindWebTier(root: string, challenges: Challenge[], infoUrl: URL): Promise<void> {
		const site = this.#bind(new URL(root));
		if (!isSameOriginOrUpgrade(site.origin, infoUrl)) {
			throw new TokenAuthenticationError(
				'DISCOVERY_FAILED',
				`${infoUrl.origin}${infoUrl.pathname} answered HTTP 401 (web-tier authentication) on another host than the portal ${redactUrl(site.root)}, whose web tier this handler speaks. Use ArcGISServerAuth for this server.`,
				{url: infoUrl},
			);
		}

		if (!this.#webTier!.engaged) {
			await this.#webTier!.engage(challenges, infoUrl);
		}
	}

	async #fetchToken({url: endpoint, forServer}: TokenEndpoint, call: CallContext): Promise<IssuedToken> {
		if (this.#given) {
			return this.#handOverGivenToken(endpoint);
		}

		const username = this.#username;
		const password = this.#password;
		if (username === undefined || password === undefined) {
			throw new TokenAuthenticationError('INVALID_CREDENTIALS', `${this.#kind.name}: the site at ${redactUrl(endpoint)} wants a token, and no username and password were given.`, {url: endpoint});
		}

		assertSecureTransport(endpoint, 'credentials', {allowHttp: this.#settings.allowHttp});
		const form = tokenForm(this.#settings, {username, password, ...(forServer === undefined ? {} : {serverUrl: forServer})});
		const answer = await this.#client.postForm(endpoint, form, call);
		return parseTokenResponse(answer, {url: endpoint, refreshMarginMs: this.#settings.refreshMarginMs, now: Date.now(), secrets: [password]});
	}

	/**
	A given token is handed out once; when it expires or the site rejects it there is nothing to
	renew it with, and every later request says so.
	*/
	#handOverGivenToken(endpoint: URL): IssuedToken {
		const given = this.#given!;
		const expiresAt = given.expires?.getTime() ?? Number.POSITIVE_INFINITY;
		if (this.#givenUsed || expiresAt <= Date.now()) {
			throw new TokenAuthenticationError(
				'TOKEN_EXPIRED',
				`${this.#kind.name}: the token given for ${redactUrl(endpoint)} has expired or was rejected by the site, and cannot be renewed: give a new one (setToken), or use a handler that logs in.`,
				{url: endpoint},
			);
		}

		this.#givenUsed = true;
		return {token: given.value, expires: given.expires, expiresAt, refreshAt: expiresAt, ssl: false};
	}

	/** @internal Replaces the given token (ArcGISTokenAuth.setToken). */
	protected replaceGivenToken(given: GivenToken): void {
		this.#given = given;
		this.#givenUsed = false;
		for (const source of this.#sources.values()) {
			source.reset();
		}
	}

	async #tokenFor(url: URL, target: Target, call: CallContext): Promise<{token: CurrentToken; key: string} | undefined> {
		const found = target.kind === 'server' ? await this.#serverSource(target.root, call) : await this.#siteSource(url, this.#site!, call);
		if (!found) {
			return undefined;
		}

		// Checked before logging in: a token that could not be used must not cost a login.
		assertSecureTransport(url, 'a token', {allowHttp: this.#settings.allowHttp});
		const token = await found.source.get(call, call.patience);
		assertSecureTransport(url, 'a token', {allowHttp: this.#settings.allowHttp, sslOnly: token.ssl});
		this.#lastSource = found.source;
		return {token, key: found.key};
	}

	async #beforeRequest(options: NormalizedOptions): Promise<void> {
		const url = options.url as URL;
		const state = readState(options, this.#contextKey);
		if (state.untrusted) {
			return;
		}

		const target = this.#target(url);
		if (!target) {
			return;
		}

		try {
			let next = state;
			if (state.placement !== undefined || !hasCallerToken(options)) {
				next = await this.#placeToken(options, url, target, next);
			}

			// The web tier guards the portal's origin; a federated server elsewhere takes its token alone.
			const onSiteOrigin = this.#site !== undefined && isSameOriginOrUpgrade(this.#site.origin, url);
			if (this.#webTier && onSiteOrigin) {
				next = {...next, web: await this.#webTier.beforeRequest(options, url, next.web)};
			}

			// The client certificate says who the user is: for the site's host and the servers federated
			// with it (they got a token), not for a public server a portal handler merely passed on.
			if ((onSiteOrigin || next.placement !== undefined) && applyTls(options, this.#settings.tls)) {
				next = {...next, tls: true};
			}

			writeState(options, this.#contextKey, next);
		} catch (error: unknown) {
			throw this.#attach(error, options);
		}
	}

	async #placeToken(options: NormalizedOptions, url: URL, target: Target, state: RequestState): Promise<RequestState> {
		const found = await this.#tokenFor(url, target, {patience: patienceOf(options), agent: options.agent, dnsLookup: options.dnsLookup});
		if (!found) {
			return state;
		}

		let converted = state.converted ?? false;
		if (options.method === 'GET' && this.#settings.forcePost(url)) {
			convertGetToPost(options);
			converted = true;
		}

		if (state.placement) {
			removeToken(options, state.placement);
		}

		const placement = choosePlacement(options, this.#settings.tokenIn);
		placeToken(options, placement, found.token.token);
		if (this.#settings.client === 'referer') {
			// Tokens made for a referer are valid only with that Referer header.
			options.headers.referer = this.#settings.referer;
		}

		debug('%s: token %d placed in %s for %s %s', this.#kind.name, found.token.generation, placement, options.method, redactUrl(url));
		return {...state, source: found.key, generation: found.token.generation, placement, converted};
	}

	#beforeRedirect(options: NormalizedOptions, previous: URL): void {
		const state = readState(options, this.#contextKey);
		if (state.placement === undefined && state.untrusted === undefined && state.web === undefined && state.tls === undefined) {
			return;
		}

		if (state.tls) {
			// Put back by beforeRequest if the next hop is still the site's.
			removeTls(options, this.#settings.tls);
		}

		if (state.web) {
			// A Kerberos token is single-use and an NTLM header belongs to its connection's handshake:
			// the next hop gets its own from beforeRequest (or none, off the site).
			delete options.headers.authorization;
		}

		if (state.placement !== undefined) {
			// got strips only authorization, cookie and host on a cross-host hop, and nothing on an
			// https→http downgrade; the token (query, body, header) is this handler's to take off.
			// The Location may also have echoed the token in its query.
			for (const placement of ['query', 'body', 'header'] as const) {
				removeToken(options, placement);
			}
		}

		const trusted = !state.untrusted && isSameOriginOrUpgrade(previous, options.url as URL);
		writeState(options, this.#contextKey, {...state, placement: undefined, generation: undefined, web: undefined, tls: undefined, untrusted: !trusted});
		debug('%s: redirect to %s, token %s', this.#kind.name, redactUrl(options.url as URL), trusted ? 'follows' : 'withheld');
	}

	async #afterResponse(response: Response, retry: Parameters<AfterResponseHook>[1]): Promise<Response> {
		const {options} = response.request;
		let state = readState(options, this.#contextKey);
		try {
			if (this.#webTier && (state.web !== undefined || response.statusCode === 401) && !state.untrusted) {
				const outcome = await this.#webTier.afterResponse(response, new URL(response.url), state.web, state.webRetried ?? false);
				if ('retry' in outcome) {
					return retry({...outcome.retry, context: {[this.#contextKey]: {...state, web: outcome.web, webRetried: true}}, preserveHooks: true});
				}

				state = {...state, web: outcome.web};
			}

			return this.#refreshOnInvalidToken(response, retry, options, state);
		} catch (error: unknown) {
			throw error instanceof Error && error.name === 'RetryError' ? error : this.#attach(error, options);
		}
	}

	/** One refresh-and-retry when the response says the token is invalid or missing. */
	#refreshOnInvalidToken(response: Response, retry: Parameters<AfterResponseHook>[1], options: Options, state: RequestState): Response {
		if (state.generation === undefined || state.source === undefined || !isInvalidTokenResponse(response)) {
			return response;
		}

		if (state.refreshed) {
			// One refresh per request: a second 498/499 goes to the caller as it is, never a loop.
			debug('%s: token rejected again after a refresh, giving up', this.#kind.name);
			return response;
		}

		this.#sources.get(state.source)?.invalidate(state.generation);
		if (isStreamBody(options.body)) {
			throw new TokenAuthenticationError(
				'TOKEN_REJECTED',
				`${this.#kind.name}: the site rejected the token (HTTP ${response.statusCode} or an error 498/499) and the request cannot be sent again because its body was a stream. A fresh token will be used by the next request.`,
				{url: response.url},
			);
		}

		debug('%s: token %d rejected, refreshing and retrying once', this.#kind.name, state.generation);
		return retry({context: {[this.#contextKey]: {...state, refreshed: true}}, preserveHooks: true});
	}

	#beforeError(received: Parameters<BeforeErrorHook>[0]): Error {
		const error = ownError(received);
		const {options} = error;
		const state = options?.context ? readState(options, this.#contextKey) : {};
		if (options?.context && !error.response) {
			// A network failure mid-handshake; an HTTP error response means the connection is fine.
			this.#webTier?.onError(state.web);
		}

		if (state.tls && !error.response && !(error instanceof TokenAuthenticationError)) {
			const refused = clientCertificateError(error.code, options.url as URL, this.#settings.tls);
			if (refused) {
				return refused.forRequest(options);
			}
		}

		if (options?.context && state.source !== undefined) {
			redactRequestError(error, this.#secrets());
		}

		if (options?.context && (state.source !== undefined || state.tls) && Object.getOwnPropertyDescriptor(error, 'options')?.enumerable) {
			// The options of a request the handler authenticated carry its token or private key; keep them
			// reachable but out of util.inspect and JSON.stringify of the caller's error.
			Object.defineProperty(error, 'options', {enumerable: false, value: options, writable: true});
		}

		return error;
	}

	/** Every secret the handler holds: what must never be seen in a message it hands on. */
	#secrets(): Array<string | undefined> {
		return [this.#password, this.#given?.value, ...[...this.#sources.values()].map(source => source.current?.token)];
	}

	/**
	Gives each request its own copy of the error, carrying that request's options: got's retry
	logic reads `error.options` (without them got itself throws a TypeError), and a kept login
	failure is handed to many requests, which must not share one mutable error object.
	*/
	#attach(error: unknown, options: Options | NormalizedOptions): unknown {
		return error instanceof TokenAuthenticationError ? error.forRequest(options) : error;
	}
}
