import {TokenAuthenticationError} from '../errors.js';
import {redactUrl} from '../site/redact.js';
import type {SiteBinding} from '../site/site-binding.js';
import type {Site} from '../site/site.js';
import type {Got} from 'got';
import type {ArcGISClient, CallContext} from '../token/arcgis-client.js';
import {tokenKey} from '../token/token-endpoint.js';
import type {HeldSource, TokenRegistry} from '../token/token-registry.js';
import type {WebTier} from '../web-tier/web-tier.js';
import type {Challenge} from '../web-tier/www-authenticate.js';
import {TokenExchange} from './exchange.js';
import {Federation} from './federation.js';
import {isOwnedBy} from './owning-system.js';

export type ServerRoutingParts = {
	label: string;
	client: ArcGISClient;
	settings: ConstructorParameters<typeof TokenExchange>[1];
	binding: SiteBinding;
	registry: TokenRegistry;
	webTier: WebTier | undefined;
	/** A got instance with the handler's own hooks, for the portal → server token exchange (made on first use). */
	through: () => Got;
	/** The portal's own token source (for ArcGIS Online's hosting servers, which take it as it is). */
	portalSource: (portalUrl: URL, site: Site, call: CallContext) => Promise<HeldSource | undefined>;
	/** Every secret the handler holds, scrubbed from the portal's messages. */
	secrets: () => ReadonlyArray<string | undefined>;
};

/**
Where a portal handler's token for an ArcGIS Server outside its portal comes from: a server token
of its own (the exchange), the portal's token (ArcGIS Online hosting), the web tier, or nothing.
A decided route is kept per root, so that a request to a federated server with a fresh token
waits for nothing.
*/
export class ServerRouting {
	readonly #parts: ServerRoutingParts;
	readonly #federation: Federation;
	readonly #routes = new Map<string, HeldSource>();
	#exchange: TokenExchange | undefined;

	constructor(parts: ServerRoutingParts) {
		this.#parts = parts;
		this.#federation = new Federation(parts.client, parts.label, parts.webTier !== undefined);
	}

	/** The route already decided for a root, without waiting. */
	routeNow(root: string): HeldSource | undefined {
		return this.#routes.get(root);
	}

	async route(root: string, call: CallContext): Promise<HeldSource | undefined> {
		const {binding, registry} = this.#parts;
		const federation = this.#federation;
		const plan = await federation.plan(root, binding.site?.root, call);
		if (plan.kind === 'none') {
			return undefined;
		}

		if (plan.kind === 'web-tier') {
			await this.#behindWebTier(root, plan.challenges, plan.infoUrl);
			return undefined;
		}

		// The first request went to a server: the portal it names becomes the handler's site.
		const portal = binding.bindPortal(plan.portalRoot);
		if (!isOwnedBy(plan.portalRoot, portal.root)) {
			// Another first request bound another portal while this server was being read.
			throw federation.notFederated(root, plan.portalRoot, portal.root);
		}

		const held =
			plan.kind === 'portal'
				? await this.#parts.portalSource(new URL(`${plan.portalRoot}/sharing/rest`), portal, call)
				: registry.source(
						tokenKey({server: root}),
						false,
						() => `server token for ${redactUrl(root)}`,
						async (args, signal) => this.#exchanger().serverToken(root, portal.root, {...args, signal}, this.#parts.secrets()),
					);
		if (held) {
			this.#routes.set(root, held);
		}

		return held;
	}

	reset(): void {
		this.#routes.clear();
		this.#federation.reset();
	}

	#exchanger(): TokenExchange {
		this.#exchange ??= new TokenExchange(this.#parts.through(), this.#parts.settings, this.#parts.label);
		return this.#exchange;
	}

	/**
	A server whose `rest/info` answered 401 to a general portal handler: the web tier guards it, as
	it guards the portal on that host, and authenticates its requests without a token. The web tier
	serves one origin: the portal's, or this server's when no portal is known yet.
	*/
	async #behindWebTier(root: string, challenges: Challenge[], infoUrl: URL): Promise<void> {
		const {binding, webTier, label} = this.#parts;
		const site = binding.bind(new URL(root));
		if (!binding.onSiteOrigin(infoUrl)) {
			throw new TokenAuthenticationError(
				'DISCOVERY_FAILED',
				`${infoUrl.origin}${infoUrl.pathname} answered HTTP 401 (web-tier authentication) on another host than the portal ${redactUrl(site.root)}, whose web tier ${label} speaks. Use ArcGISServerAuth for this server.`,
				{url: infoUrl},
			);
		}

		if (!webTier!.engaged) {
			await webTier!.engage(challenges, infoUrl);
		}
	}
}
