import type {NormalizedOptions, Response} from 'got';
import {debug, tracing} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {redactRequestError} from '../http/error-redaction.js';
import {convertGetToPost} from '../http/force-post.js';
import {formPair, isStreamBody} from '../http/form-body.js';
import {isInvalidTokenResponse} from '../http/invalid-token.js';
import {choosePlacement, hasCallerToken, placeToken, removeToken, type Placement} from '../http/token-placement.js';
import type {ResolvedOptions} from '../options.js';
import type {Step, StepOutcome} from '../pipeline/step.js';
import {patienceOf} from '../shared-call.js';
import type {SiteBinding} from '../site/site-binding.js';
import type {TokenRegistry} from '../token/token-registry.js';
import type {FoundToken, TokenRouter} from '../token/token-router.js';
import {hideOptions} from './hide-options.js';

/** What the token step remembers of a request: never the token itself, only its source and generation. */
export type TokenSlice = {
	/** The key of the token source whose token was placed (no secret in it). */
	readonly source?: string;
	/** The generation of the token placed on the latest attempt. */
	readonly generation?: number;
	readonly placement?: Placement;
	/** When the login behind the token placed on the latest attempt began (see CurrentToken). */
	readonly since?: number;
	/** When the site first rejected this request's token: set by its refresh-and-retry after a 498/499. */
	readonly rejectedAt?: number;
	/** The request also had its second and last retry (see afterResponse). */
	readonly retriedStale?: boolean;
};

export type TokenStepParts = {
	label: string;
	binding: SiteBinding;
	router: TokenRouter;
	registry: TokenRegistry;
	settings: Pick<ResolvedOptions, 'forcePost' | 'tokenIn' | 'client' | 'referer'>;
	/** Every secret the handler holds (for error messages). */
	secrets: () => ReadonlyArray<string | undefined>;
};

/**
The token on a request — force POST, placement per `tokenIn`, the Referer a referer-bound token
needs — and the one refresh-and-retry when the site answers that the token is invalid or missing
(see isInvalidTokenResponse). Also takes its token off got's errors before the caller sees them.
*/
export class TokenStep implements Step<TokenSlice> {
	readonly name = 'token';
	readonly #parts: TokenStepParts;

	constructor(parts: TokenStepParts) {
		this.#parts = parts;
	}

	beforeRequest(options: NormalizedOptions, url: URL, slice: TokenSlice | undefined): TokenSlice | undefined | Promise<TokenSlice | undefined> {
		const {binding, router} = this.#parts;
		// A handler none of whose requests takes a token (a server behind the web tier alone): nothing more to read.
		if (router.idle) {
			return slice;
		}

		const target = binding.target(url);
		// Then a site that takes no token where the request goes (a portal handler's own site, behind a web tier alone).
		// A token the caller put on the request is theirs: the handler does not send a second one.
		if (!target || router.takesNone(url, target) || (slice?.placement === undefined && hasCallerToken(options))) {
			return slice;
		}

		const now = router.peek(url, target);
		if (now === 'none') {
			return slice;
		}

		if (now !== 'unknown') {
			return this.#place(options, url, slice, now);
		}

		// A copy of the agents: a later step (the web tier) sets its connection's agent on the request's own object.
		const call = {patience: patienceOf(options), agent: {...options.agent}, dnsLookup: options.dnsLookup};
		return router.tokenFor(url, target, call).then(found => (found ? this.#place(options, url, slice, found) : slice));
	}

	takeOff(options: NormalizedOptions, slice: TokenSlice): TokenSlice {
		if (slice.placement !== undefined) {
			// got strips only authorization, cookie and host on a cross-host hop, and nothing on an
			// https→http downgrade; the token (query, body, header) is this handler's to take off.
			// The Location may also have echoed the token in its query.
			for (const placement of ['query', 'body', 'header'] as const) {
				removeToken(options, placement);
			}
		}

		return {source: slice.source, rejectedAt: slice.rejectedAt, retriedStale: slice.retriedStale};
	}

	/**
	A 498/499 is answered by dropping the token and retrying once with a fresh one. Once more only
	when the token of that retry was obtained before the first rejection (by another request, or
	another process of the fleet): the revocation that ended the first may have ended it too. A
	token obtained after a rejection cannot have fallen to the revocation behind it, so a third
	rejection goes to the caller as it is: at most two retries, never a loop.
	*/
	afterResponse(response: Response, slice: TokenSlice | undefined): StepOutcome<TokenSlice> | undefined {
		if (slice?.generation === undefined || slice.source === undefined || !isInvalidTokenResponse(response)) {
			return undefined;
		}

		const {label} = this.#parts;
		const {rejectedAt, since} = slice;
		const stale = rejectedAt !== undefined && since !== undefined && since < rejectedAt && !slice.retriedStale;
		if (rejectedAt !== undefined && !stale) {
			debug('%s: token rejected again after a refresh, giving up', label);
			return undefined;
		}

		this.#parts.registry.invalidate(slice.source, slice.generation);
		if (isStreamBody(response.request.options.body)) {
			throw new TokenAuthenticationError(
				'TOKEN_REJECTED',
				`${label}: the site rejected the token (HTTP ${response.statusCode} or an error 498/499) and the request cannot be sent again because its body was a stream. A fresh token will be used by the next request.`,
				{url: response.url},
			);
		}

		if (stale) {
			debug('%s: token %d, obtained before the first rejection, rejected too: retrying once more with a new one', label, slice.generation);
			return {state: {...slice, retriedStale: true}, retry: {}};
		}

		debug('%s: token %d rejected, refreshing and retrying once', label, slice.generation);
		return {state: {...slice, rejectedAt: Date.now()}, retry: {}};
	}

	beforeError(error: Parameters<NonNullable<Step['beforeError']>>[0], slice: TokenSlice | undefined): undefined {
		if (slice?.source !== undefined && error.options) {
			redactRequestError(error, this.#parts.secrets());
			hideOptions(error);
		}

		return undefined;
	}

	#place(options: NormalizedOptions, url: URL, slice: TokenSlice | undefined, found: FoundToken): TokenSlice {
		const {settings} = this.#parts;
		let placement: Placement;
		if (options.method === 'GET' && settings.forcePost(url)) {
			// The usual case: the query becomes a form body, and under 'auto' the token joins it there.
			placement = settings.tokenIn === 'auto' ? 'body' : settings.tokenIn;
			convertGetToPost(options, placement === 'body' ? formPair('token', found.token.token) : undefined);
			if (placement !== 'body') {
				placeToken(options, placement, found.token.token);
			}
		} else {
			if (slice?.placement) {
				removeToken(options, slice.placement);
			}

			placement = choosePlacement(options, settings.tokenIn);
			placeToken(options, placement, found.token.token);
		}

		if (settings.client === 'referer') {
			// Tokens made for a referer are valid only with that Referer header.
			options.headers.referer = settings.referer;
		}

		if (tracing()) {
			debug('%s: token %d placed in %s for %s %s', this.#parts.label, found.token.generation, placement, options.method, url.origin + url.pathname);
		}

		return {...slice, source: found.key, generation: found.token.generation, since: found.token.since, placement};
	}
}
