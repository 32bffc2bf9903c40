import {inspect} from 'node:util';
import got from 'got';
import type {Credential} from '../credentials/credential.js';
import {TokenAuthenticationError} from '../errors.js';
import {ServerRouting} from '../federation/server-routing.js';
import {resolveOptions, type AuthOptions, type ResolvedOptions, type WebTierOptions} from '../options.js';
import type {AuthHooks} from '../pipeline/hooks.js';
import {SiteBinding} from '../site/site-binding.js';
import type {Site} from '../site/site.js';
import {handlerHooks} from '../steps/handler-hooks.js';
import {hasClientCertificate} from '../tls/client-certificate.js';
import {ArcGISClient} from '../token/arcgis-client.js';
import {TokenRegistry} from '../token/token-registry.js';
import {TokenRouter} from '../token/token-router.js';
import {WebTier} from '../web-tier/web-tier.js';
import {SiteRules, type SiteKind} from './site-rules.js';

/** What a concrete handler is: the product it talks to, and whether it speaks the web tier. */
export type HandlerKind = {
	/** The class name, for messages and `util.inspect`. */
	name: string;
	product: SiteKind;
	/** General handlers: token, else Kerberos/NTLM. */
	webTier: boolean;
};

/** What the base makes the credential from: the resolved options and the handler's own HTTP client. */
export type CredentialParts = {settings: ResolvedOptions; client: ArcGISClient};

let handlerCount = 0;

/**
What every handler shares: the public face (hooks, token, reset, getToken, a safe inspect) and the
composition of its parts. What a request goes through is the pipeline of steps (steps/handler-hooks:
the token, the web tier, the client certificate, and the redirect guard). What a handler logs in
with is its Credential; where tokens come from is the TokenRouter's: the SiteRules for the site,
federation's ServerRouting for the servers federated with a portal.
*/
export abstract class ArcGISAuthBase {
	/** The got hooks to pass as `hooks` (or to merge with your own). */
	readonly hooks: AuthHooks;
	readonly #kind: HandlerKind;
	readonly #credential: Credential;
	readonly #binding: SiteBinding;
	readonly #registry: TokenRegistry;
	readonly #rules: SiteRules;
	readonly #servers: ServerRouting | undefined;
	readonly #router: TokenRouter;
	readonly #webTier: WebTier | undefined;

	/** @internal Handlers are made by their classes: the kind, the options, and what they log in with. */
	protected constructor(kind: HandlerKind, options: (AuthOptions & WebTierOptions & {portal?: string}) | undefined, makeCredential: (parts: CredentialParts) => Credential) {
		const settings = resolveOptions(options);
		const client = new ArcGISClient(settings.verify, settings.tls, settings.callTimeoutMs);
		const credential = makeCredential({settings, client});
		this.#credential = credential;
		this.#kind = kind;
		// A portal given up front (OAuth handlers' option `portal`) is the site from the start.
		this.#binding = new SiteBinding(kind.product === 'portal', settings.instance, kind.product === 'portal' ? settings.portal : undefined);
		this.#registry = new TokenRegistry(kind.name, settings.store && {store: settings.store, identity: () => credential.fleetIdentity?.(this.#binding.site)});
		this.#webTier = kind.webTier
			? new WebTier({
					label: kind.name,
					username: () => credential.username,
					password: () => credential.password,
					spn: settings.spn,
					mutualAuth: settings.mutualAuth,
					workstation: settings.workstation,
				})
			: undefined;
		// A general handler given a client certificate and no password: the certificate is who the user is.
		const certificateIsIdentity = () => kind.webTier && credential.password === undefined && hasClientCertificate(settings.tls);
		this.#rules = new SiteRules(kind.product, client, kind.name, this.#webTier, certificateIsIdentity);
		const secrets = () => [...credential.secrets(), ...this.#registry.tokens()];
		this.#servers =
			kind.product === 'portal'
				? new ServerRouting({
						label: kind.name,
						client,
						settings,
						binding: this.#binding,
						registry: this.#registry,
						webTier: this.#webTier,
						// The exchange sends through this handler's own hooks (its portal token, or the web tier).
						through: () => got.extend({hooks: this.hooks}),
						portalSource: async (url, site, call) => this.#router.siteSource(url, site, call),
						secrets,
					})
				: undefined;
		this.#router = new TokenRouter({binding: this.#binding, rules: this.#rules, credential, registry: this.#registry, servers: this.#servers, allowHttp: settings.allowHttp});

		const key = `got-arcgis-auth#${++handlerCount}`;
		this.hooks = handlerHooks({label: kind.name, key, binding: this.#binding, router: this.#router, registry: this.#registry, webTier: this.#webTier, settings, secrets});
	}

	/** The username the handler logs in with, if any. */
	get username(): string | undefined {
		return this.#credential.username;
	}

	/**
	The token in use for the handler's own site, as Python's `auth.token`: for a portal handler, the
	portal token — never a federated server's (`getToken(serverUrl)` gives those).
	*/
	get token(): string | undefined {
		return this.#registry.siteToken?.token;
	}

	/** When that token expires, as the server stated it. */
	get expires(): Date | undefined {
		return this.#registry.siteToken?.expires;
	}

	/** Whether that token is for an HTTPS-only organisation (`ssl: true`): it never travels over http. */
	get ssl(): boolean | undefined {
		return this.#registry.siteToken?.ssl;
	}

	/** The site the handler is bound to (after its first request). */
	get site(): Site | undefined {
		return this.#binding.site;
	}

	/**
	Forgets tokens, discovery results and a kept login failure: the next request starts afresh.
	After a failed login this is the one way to try again (accounts lock after a few failures).
	*/
	reset(): void {
		this.#registry.reset();
		this.#binding.reset();
		this.#router.reset();
		this.#rules.reset();
		this.#servers?.reset();
		this.#webTier?.reset();
		this.#credential.reset();
	}

	/**
	A token for a URL of the site (or of a server federated with a portal handler's portal),
	obtained as a request to it would obtain one (binding the site if this is the first use).
	Undefined when the URL takes no token.
	*/
	async getToken(url: string | URL): Promise<string | undefined> {
		const href = new URL(url);
		const target = this.#binding.target(href);
		if (!target) {
			return undefined;
		}

		try {
			const found = await this.#router.tokenFor(href, target, {});
			return found?.token.token;
		} catch (error: unknown) {
			throw error instanceof TokenAuthenticationError ? error.spokenBy(this.#kind.name) : error;
		}
	}

	/** What `util.inspect(auth)` shows: a summary without password or token. */
	[inspect.custom](): string {
		return `${this.#kind.name} ${inspect(this.toJSON())}`;
	}

	/** A summary without secrets, for logs and `JSON.stringify`. */
	toJSON(): Record<string, unknown> {
		return {
			type: this.#kind.name,
			username: this.username,
			site: this.#binding.site?.root,
			hasToken: this.token !== undefined,
			expires: this.expires?.toISOString(),
		};
	}

	/** @internal Forgets the tokens only (a new given token: ArcGISTokenAuth.setToken). */
	protected forgetTokens(): void {
		this.#registry.reset();
		this.#servers?.reset();
	}
}
