import type {FleetIdentity} from '../store/fleet-keys.js';
import {Fleet} from '../store/fleet.js';
import type {TokenStore} from '../store/token-store.js';
import type {CallContext} from './arcgis-client.js';
import type {IssuedToken} from './issued-token.js';
import {TokenSource, type CurrentToken} from './token-source.js';

/**
A token source as the registry hands it out, with the key that names it (carried in request state);
`site`: it holds the site's own token (not a federated server's).
*/
export type HeldSource = {readonly key: string; readonly source: TokenSource<CallContext>; readonly site: boolean};

/**
Every token source of a handler, one per key (see tokenKey): the site's token endpoints and each
federated server. `siteToken` is what `auth.token` / `auth.expires` show: the token the handler
last obtained for its own site (a portal handler's portal token), never a federated server's —
`auth.getToken(serverUrl)` gives those.
*/
export class TokenRegistry {
	readonly #label: string;
	readonly #sources = new Map<string, HeldSource>();
	#lastSite: TokenSource<CallContext> | undefined;
	readonly #fleet: Fleet | undefined;

	/** `shared`: the store the handler shares with other processes (option `store`), and whose tokens the credential's are. */
	constructor(label: string, shared?: {store: TokenStore; identity: () => FleetIdentity | undefined}) {
		this.#label = label;
		this.#fleet = shared && new Fleet(shared.store, shared.identity, label);
	}

	/**
	The source under `key`, made on first use (`describe` names it in the trace, built only then).
	With a store, its login is the fleet's: this is the one place every token source is made, so
	every kind of token a handler obtains (site, portal, federated server) is shared the same way.
	*/
	source(key: string, site: boolean, describe: () => string, fetch: (call: CallContext, signal: AbortSignal) => Promise<IssuedToken>): HeldSource {
		let held = this.#sources.get(key);
		if (!held) {
			const described = describe();
			const label = `${this.#label} ${described}`;
			const login = this.#fleet?.share(key, fetch, label) ?? {fetch};
			held = {key, site, source: new TokenSource(label, login.fetch, `a token from ${described}`, login.dropped)};
			this.#sources.set(key, held);
		}

		return held;
	}

	/** The source under `key`, if one was made. */
	existing(key: string): HeldSource | undefined {
		return this.#sources.get(key);
	}

	/** Remembers that a site source served a request: its token is the handler's `token`. */
	usedForSite(held: HeldSource): void {
		this.#lastSite = held.source;
	}

	get siteToken(): CurrentToken | undefined {
		return this.#lastSite?.current;
	}

	/** Drops the token of that generation from the source under `key`, if still current. */
	invalidate(key: string, generation: number): void {
		this.#sources.get(key)?.source.invalidate(generation);
	}

	/** Every token held: scrubbed from every message the handler hands on. */
	tokens(): Array<string | undefined> {
		return [...this.#sources.values()].map(held => held.source.current?.token);
	}

	/** Forgets every source, its token and kept refusal — and the refusals the fleet keeps for this credential (a store, if shared). */
	reset(): void {
		this.#fleet?.forgetRefusals();
		for (const held of this.#sources.values()) {
			held.source.reset();
		}

		this.#sources.clear();
		this.#lastSite = undefined;
	}
}
