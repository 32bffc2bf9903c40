import type {WebState} from '../web-tier/web-tier.js';

/** Anything that carries got's `context` (request options of either flavour). */
type HasContext = {context: Record<string, unknown>};

/** Where the handler put a token on a request. */
export type Placement = 'query' | 'body' | 'header';

/**
What the handler remembers about one request, kept in got's `options.context` because that is
what got carries from a request to its redirect hops and retries. Never a secret: the token is
named by its generation number (a Kerberos context or NTLM agent holds no password).
*/
export type RequestState = {
	/** The token endpoint whose token was placed (its URL, no secret in it). */
	readonly source?: string;
	/** The generation of the token placed on the latest attempt. */
	readonly generation?: number;
	readonly placement?: Placement;
	/** The handler turned this GET into a POST. */
	readonly converted?: boolean;
	/** The request already had its one refresh-and-retry after a 498/499. */
	readonly refreshed?: boolean;
	/** A redirect led somewhere the token must not go; later hops stay unauthenticated. */
	readonly untrusted?: boolean;
	/** The web-tier authentication on the latest attempt (Kerberos context or NTLM connection). */
	readonly web?: WebState;
	/** The request already had its one web-tier retry after a 401. */
	readonly webRetried?: boolean;
	/** The handler put its client certificate (PKI) on the request. */
	readonly tls?: boolean;
};

/** Reads the handler's state; `key` is per handler so two handlers on one request never mix. */
export function readState(options: HasContext, key: string): RequestState {
	return (options.context[key] as RequestState | undefined) ?? {};
}

/**
Replaces the state. The object is replaced, never mutated: got copies `context` shallowly per hop
and per retry, so a mutation would leak into the copies it shares an object with.
*/
export function writeState(options: HasContext, key: string, state: RequestState): void {
	options.context[key] = state;
}
