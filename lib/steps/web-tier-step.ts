import type {NormalizedOptions, PlainResponse, Response} from 'got';
import type {Step, StepOutcome} from '../pipeline/step.js';
import type {SiteBinding} from '../site/site-binding.js';
import type {WebOutcome, WebState} from '../web-tier/web-state.js';
import type {WebTier} from '../web-tier/web-tier.js';

/** What the web-tier step remembers of a request: its Kerberos context or NTLM connection, and its one retry. */
export type WebSlice = {
	readonly web?: WebState;
	/** The request already had its one web-tier retry after a 401. */
	readonly retried?: boolean;
	/** The connection bound read from the caller's agent, kept across redirect hops (later hops see the pool's agent). */
	readonly bound?: number;
};

/**
Kerberos / NTLM (IIS Integrated Windows Authentication) on the site's origin, for the general
handlers: the WebTier decides, this step carries its state on each request. An NTLM request holds a
pooled connection from its pick until its response or error: every way a request attempt ends —
a response, a redirect, an error, a retry — reaches the WebTier, which lets go of it exactly once.
*/
export class WebTierStep implements Step<WebSlice> {
	readonly name = 'web-tier';
	readonly #webTier: WebTier;
	readonly #binding: SiteBinding;

	constructor(webTier: WebTier, binding: SiteBinding) {
		this.#webTier = webTier;
		this.#binding = binding;
	}

	beforeRequest(options: NormalizedOptions, url: URL, slice: WebSlice | undefined): WebSlice | undefined | Promise<WebSlice | undefined> {
		// The web tier guards the site's origin; a federated server elsewhere takes its token alone.
		if (!this.#webTier.engaged || !this.#binding.onSiteOrigin(url)) {
			return slice;
		}

		const web = this.#webTier.beforeRequest(options, url, slice?.web, slice?.bound);
		return web instanceof Promise ? web.then(resolved => placed(slice, resolved)) : placed(slice, web);
	}

	takeOff(options: NormalizedOptions, slice: WebSlice, response: PlainResponse): WebSlice | undefined {
		if (slice.web) {
			this.#webTier.redirected(slice.web, response);
			// A Kerberos token is single-use and an NTLM header belongs to its connection's handshake:
			// the next hop gets its own from beforeRequest (or none, off the site).
			delete options.headers.authorization;
		}

		return slice.retried || slice.bound !== undefined ? {retried: slice.retried, bound: slice.bound} : undefined;
	}

	afterResponse(response: Response, slice: WebSlice | undefined): StepOutcome<WebSlice> | undefined | Promise<StepOutcome<WebSlice> | undefined> {
		if (slice?.web === undefined && response.statusCode !== 401) {
			return undefined;
		}

		const outcome = this.#webTier.afterResponse(response, slice?.web, slice?.retried ?? false);
		if (outcome === undefined) {
			// The usual answer: the state stands (the request let go of its proven connection).
			return undefined;
		}

		return outcome instanceof Promise ? outcome.then(resolved => next(slice, resolved)) : next(slice, outcome);
	}

	beforeError(error: Parameters<NonNullable<Step['beforeError']>>[0], slice: WebSlice | undefined): undefined {
		if (error.options?.context) {
			// Any failure ends the request's hold on its connection (released at most once, so an HTTP
			// error whose response was already read changes nothing); only a network failure
			// mid-handshake condemns the connection — an HTTP error response means it is fine.
			this.#webTier.onError(slice?.web, !error.response);
		}

		return undefined;
	}
}

function placed(slice: WebSlice | undefined, web: WebState | undefined): WebSlice {
	return {web, retried: slice?.retried, bound: web?.bound ?? slice?.bound};
}

function next(slice: WebSlice | undefined, outcome: WebOutcome): StepOutcome<WebSlice> | undefined {
	if ('retry' in outcome) {
		return {state: {web: outcome.web, retried: true, bound: slice?.bound}, retry: outcome.retry};
	}

	// The state it was given: the slice stands as it is.
	return outcome.web === slice?.web ? undefined : {state: {...slice, web: outcome.web}};
}
