import {isSameOriginOrUpgrade} from './origin-policy.js';
import {deriveSiteRoot, serverRootOf} from './site-root.js';
import type {Site} from './site.js';

const SLASH = 0x2f;

/** What a URL is to a handler: its own site, an ArcGIS Server outside it (a portal handler's business), or elsewhere. */
export type Target = {readonly kind: 'site'} | {readonly kind: 'server'; readonly root: string};

/** The one site target: asked for on every request, never changed, so never made anew. */
const SITE: Target = Object.freeze({kind: 'site'});

/**
The site a handler serves, bound by its first request as in the Python original — the one place
that binds it, and the one place that says what a URL is to the handler.
*/
export class SiteBinding {
	readonly #servesServers: boolean;
	readonly #instance: string | undefined;
	#site: Site | undefined;
	/** The site's root, case-folded once (asked on every request of a portal handler). */
	#rootKey: string | undefined;
	/** The site's origin as text, made once: URL's origin getter builds a new string each time. */
	#originText: string | undefined;

	/** A portal given up front (the option `portal`): bound from the start, and again after reset(). */
	readonly #given: string | undefined;

	/** `servesServers`: a portal handler, which also routes the ArcGIS Servers federated with its portal. */
	constructor(servesServers: boolean, instance: string | undefined, portal?: string) {
		this.#servesServers = servesServers;
		this.#instance = instance;
		this.#given = portal;
		if (portal !== undefined) {
			this.bindPortal(portal);
		}
	}

	/** The site, once bound. */
	get site(): Site | undefined {
		return this.#site;
	}

	/** The site, binding it to this URL's if none is bound yet. */
	bind(url: URL): Site {
		return this.#site ?? this.#set({origin: new URL(url.origin), root: deriveSiteRoot(url, this.#instance)});
	}

	/** The first request went to a federated server: the portal it names becomes the handler's site (unless one is bound already). */
	bindPortal(portalRoot: string): Site {
		return this.#site ?? this.#set({origin: new URL(new URL(portalRoot).origin), root: portalRoot});
	}

	/**
	What a URL is to the handler. A portal handler tells its portal's URLs from those of ArcGIS
	Servers (`/rest`, `/admin`, `/tokens` under another root): those are federation's to judge,
	wherever they are. Anything else off the site's origin passes through untouched.
	*/
	target(url: URL): Target | undefined {
		if (this.#servesServers) {
			const root = serverRootOf(url);
			if (root !== undefined && root.toLowerCase() !== this.#rootKey) {
				return {kind: 'server', root};
			}
		}

		this.bind(url);
		return this.onSiteOrigin(url) ? SITE : undefined;
	}

	/** Whether the URL is on the bound site's origin (or its https upgrade); false before binding. */
	onSiteOrigin(url: URL): boolean {
		const site = this.#site;
		if (site === undefined) {
			return false;
		}

		// href is stored, origin is built on each read: the usual URL (no user info) starts with its origin.
		const {href} = url;
		return (href.startsWith(this.#originText!) && href.charCodeAt(this.#originText!.length) === SLASH) || isSameOriginOrUpgrade(site.origin, url);
	}

	reset(): void {
		this.#site = undefined;
		this.#rootKey = undefined;
		this.#originText = undefined;
		if (this.#given !== undefined) {
			this.bindPortal(this.#given);
		}
	}

	#set(site: Site): Site {
		this.#site = site;
		this.#rootKey = site.root.toLowerCase();
		this.#originText = site.origin.origin;
		return site;
	}
}
