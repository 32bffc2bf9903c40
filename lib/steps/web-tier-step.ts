import type {NormalizedOptions, Response} from 'got';
import type {Step, StepOutcome} from '../pipeline/step.js';
import type {SiteBinding} from '../site/site-binding.js';
import type {WebState} from '../web-tier/web-state.js';
import type {WebTier} from '../web-tier/web-tier.js';

/** What the web-tier step remembers of a request: its Kerberos context or NTLM connection, and its one retry. */
export type WebSlice = {
	readonly web?: WebState;
	/** The request already had its one web-tier retry after a 401. */
	readonly retried?: boolean;
};

/**
Kerberos / NTLM (IIS Integrated Windows Authentication) on the site's origin, for the general
handlers: the WebTier decides, this step carries its state on each request.
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

		return this.#webTier.beforeRequest(options, url, slice?.web).then(web => ({...slice, web}));
	}

	takeOff(options: NormalizedOptions, slice: WebSlice): WebSlice | undefined {
		if (slice.web) {
			// A Kerberos token is single-use and an NTLM header belongs to its connection's handshake:
			// the next hop gets its own from beforeRequest (or none, off the site).
			delete options.headers.authorization;
			this.#webTier.onHop(slice.web);
		}

		return slice.retried ? {retried: true} : undefined;
	}

	afterResponse(response: Response, slice: WebSlice | undefined): StepOutcome<WebSlice> | Promise<StepOutcome<WebSlice>> {
		if (slice?.web === undefined && response.statusCode !== 401) {
			return {state: slice};
		}

		return this.#webTier
			.afterResponse(response, new URL(response.url), slice?.web, slice?.retried ?? false)
			.then(outcome => ('retry' in outcome ? {state: {web: outcome.web, retried: true}, retry: outcome.retry} : {state: {...slice, web: outcome.web}}));
	}

	beforeError(error: Parameters<NonNullable<Step['beforeError']>>[0], slice: WebSlice | undefined): undefined {
		if (error.options?.context && !error.response) {
			// A network failure mid-handshake; an HTTP error response means the connection is fine.
			this.#webTier.onError(slice?.web);
		}

		return undefined;
	}
}
