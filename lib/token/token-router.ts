import type {Credential} from '../credentials/credential.js';
import type {ServerRouting} from '../federation/server-routing.js';
import type {SiteRules} from '../handlers/site-rules.js';
import {redactUrl} from '../site/redact.js';
import type {SiteBinding, Target} from '../site/site-binding.js';
import type {Site} from '../site/site.js';
import {assertSecureTransport} from '../site/transport.js';
import type {CallContext} from './arcgis-client.js';
import {tokenKey, type TokenEndpoint} from './token-endpoint.js';
import type {HeldSource, TokenRegistry} from './token-registry.js';
import type {CurrentToken} from './token-source.js';

/** A token for a request, with the key of the source it came from. */
export type FoundToken = {readonly token: CurrentToken; readonly key: string};

export type TokenRouterParts = {
	binding: SiteBinding;
	rules: SiteRules;
	credential: Credential;
	registry: TokenRegistry;
	servers: ServerRouting | undefined;
	allowHttp: boolean;
};

/** Memo of the key of an endpoint object (endpoints are kept per site posture, keys per endpoint). */
const keys = new WeakMap<TokenEndpoint, string>();

function keyOf(endpoint: TokenEndpoint): string {
	let key = keys.get(endpoint);
	if (key === undefined) {
		key = tokenKey({endpoint});
		keys.set(endpoint, key);
	}

	return key;
}

/**
Which token a request gets: the site's (from its token endpoint, or the credential itself), or a
federated server's (federation's routing) — and whether it may travel there at all.
*/
export class TokenRouter {
	readonly #parts: TokenRouterParts;
	/** The credential's own endpoint per site (a given token), made once. */
	readonly #own = new WeakMap<Site, TokenEndpoint>();
	/**
	The bound site once it is known to take no token at all (a site behind the web tier alone): its
	requests then read this one field, not the rules, the credential and the discovery behind them
	(calls that cost their full price until V8 optimises the hot path, after a few thousand
	requests). A Site is made anew by every binding (a reset too), so a site bound later never finds
	itself here by mistake.
	*/
	#bare: Site | undefined;
	/**
	True once no request of this handler can take a token: its site takes none and it routes no
	federated servers (a server handler behind the web tier alone; off its site a request takes none
	anyway). A field, read by the token step before anything else on every request: until V8
	optimises the hot path each call costs its full price, and this one read replaces five. Set by
	takesNone, cleared by reset().
	*/
	idle = false;

	constructor(parts: TokenRouterParts) {
		this.#parts = parts;
	}

	/**
	The token without waiting, when a fresh one is held for where the request goes: 'none' when the
	site is known to take none, 'unknown' when finding out needs a wait (a discovery, a login).
	*/
	peek(url: URL, target: Target): FoundToken | 'none' | 'unknown' {
		let held: HeldSource | undefined;
		if (target.kind === 'server') {
			held = this.#parts.servers?.routeNow(target.root);
		} else {
			const endpoint = this.#endpointNow(url, this.#parts.binding.site!);
			if (endpoint === undefined) {
				return 'none';
			}

			held = endpoint === 'unknown' ? undefined : this.#parts.registry.existing(keyOf(endpoint));
		}

		const token = held?.source.peek();
		if (!held || !token) {
			return 'unknown';
		}

		return this.#checked(url, held, token);
	}

	/**
	Whether the site is known to take no token where the request goes (a site without token
	security, e.g. behind the web tier only): nothing to look up, place or check. Without side
	effects, unlike peek, which checks that a token it finds may travel.
	*/
	takesNone(url: URL, target: Target): boolean {
		if (target.kind !== 'site') {
			return false;
		}

		const site = this.#parts.binding.site!;
		if (site === this.#bare) {
			return true;
		}

		// No endpoint for one URL of the site means none for any of them (see SiteRules.tokenEndpointNow).
		if (this.#endpointNow(url, site) !== undefined) {
			return false;
		}

		this.#bare = site;
		this.idle = this.#parts.servers === undefined;
		return true;
	}

	/** Forgets what it learnt of the site (the handler's reset: the next request binds a site anew). */
	reset(): void {
		this.#bare = undefined;
		this.idle = false;
	}

	/** The token for a request, waiting for a discovery or a login as needed; undefined when it goes without one. */
	async tokenFor(url: URL, target: Target, call: CallContext): Promise<FoundToken | undefined> {
		const held = target.kind === 'server' ? await this.#parts.servers?.route(target.root, call) : await this.siteSource(url, this.#parts.binding.site!, call);
		if (!held) {
			return undefined;
		}

		// Checked before logging in: a token that could not be used must not cost a login.
		assertSecureTransport(url, 'a token', {allowHttp: this.#parts.allowHttp});
		const token = await held.source.get(call, call.patience);
		return this.#checked(url, held, token);
	}

	/** The token source of a URL of the site (or of the portal, for ArcGIS Online's hosting servers). */
	async siteSource(url: URL, site: Site, call: CallContext): Promise<HeldSource | undefined> {
		const {credential, rules, registry} = this.#parts;
		const endpoint = this.#ownEndpoint(site) ?? (await rules.tokenEndpoint(url, site, call));
		if (!endpoint) {
			return undefined;
		}

		return registry.source(
			keyOf(endpoint),
			true,
			() => redactUrl(endpoint.url),
			async (args, signal) => credential.fetch(endpoint, {...args, signal}),
		);
	}

	#endpointNow(url: URL, site: Site): TokenEndpoint | undefined | 'unknown' {
		return this.#ownEndpoint(site) ?? this.#parts.rules.tokenEndpointNow(url, site);
	}

	#ownEndpoint(site: Site): TokenEndpoint | undefined {
		const {credential} = this.#parts;
		if (!credential.ownEndpoint) {
			return undefined;
		}

		let endpoint = this.#own.get(site);
		if (!endpoint) {
			endpoint = credential.ownEndpoint(site);
			this.#own.set(site, endpoint);
		}

		return endpoint;
	}

	#checked(url: URL, held: HeldSource, token: CurrentToken): FoundToken {
		assertSecureTransport(url, 'a token', {allowHttp: this.#parts.allowHttp, sslOnly: token.ssl});
		if (held.site) {
			this.#parts.registry.usedForSite(held);
		}

		return {token, key: held.key};
	}
}
