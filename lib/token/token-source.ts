import {debug} from '../debug.js';
import type {TokenAuthenticationError} from '../errors.js';
import {SharedSlot, type Patience} from '../shared-call.js';
import {isJudgedFailure, type IssuedToken} from './issued-token.js';

/**
A token together with the generation that identifies it without repeating it, and when the login
that obtained it began (a token obtained before a site rejected another may have fallen to the
same revocation; one obtained after cannot have).
*/
export type CurrentToken = IssuedToken & {readonly generation: number; readonly since: number};

/**
Keeps the token of one token endpoint: hands out the current one, fetches a new one when it is
due, and makes sure that at any time at most one fetch is in flight — N concurrent first requests
cost one generateToken call, as do N concurrent 498s.

A failure the server judged (wrong password, refused client) is kept and returned to every later
caller until {@link reset}: the Python original retried on every request and locked accounts.
*/
export class TokenSource<FetchArgs> {
	readonly #fetch: (args: FetchArgs, signal: AbortSignal) => Promise<IssuedToken>;
	readonly #label: string;
	readonly #what: string;
	readonly #dropped: ((token: string) => void) | undefined;
	#current: CurrentToken | undefined;
	readonly #inFlight = new SharedSlot<CurrentToken>();
	#failure: TokenAuthenticationError | undefined;
	#generation = 0;
	/** Bumped by reset(): a fetch started before a reset must not store its late result. */
	#epoch = 0;

	/**
	`fetch` gets the shared call's signal: aborted once every request waiting for it has given up.
	`dropped` hears of a token a site rejected (a store shared by a fleet forgets it too).
	*/
	constructor(label: string, fetch: (args: FetchArgs, signal: AbortSignal) => Promise<IssuedToken>, what = `a token (${label})`, dropped?: (token: string) => void) {
		this.#label = label;
		this.#what = what;
		this.#fetch = fetch;
		this.#dropped = dropped;
	}

	/** The token now held, fresh or not; undefined before the first success and after a drop. */
	get current(): CurrentToken | undefined {
		return this.#current;
	}

	/** The current token if it is not yet due for refresh and nothing failed: the request needs no wait. */
	peek(now = Date.now()): CurrentToken | undefined {
		const current = this.#current;
		return this.#failure === undefined && current && now < current.refreshAt ? current : undefined;
	}

	/**
	A token that is not yet due for refresh, fetching one if needed. A request waits for a fetch
	another started on its own `patience` (its timeout and signal), not on the first caller's.
	*/
	async get(args: FetchArgs, patience?: Patience, now = Date.now()): Promise<CurrentToken> {
		if (this.#failure !== undefined) {
			throw this.#failure;
		}

		const current = this.#current;
		if (current && now < current.refreshAt) {
			return current;
		}

		const epoch = this.#epoch;
		return this.#inFlight.join(async signal => this.#start(args, signal, epoch), patience, this.#what);
	}

	/**
	Drops the token of that generation, if it is still the current one: a 498 that answers an
	older token must not throw away the fresh token another request already fetched.
	*/
	invalidate(generation: number): void {
		const current = this.#current;
		if (current?.generation === generation) {
			debug('%s: token %d reported invalid, dropped', this.#label, generation);
			this.#current = undefined;
			this.#dropped?.(current.token);
		}
	}

	/** Forgets the token and any kept failure: the next request logs in again. */
	reset(): void {
		this.#current = undefined;
		this.#failure = undefined;
		this.#inFlight.clear();
		this.#epoch++;
	}

	async #start(args: FetchArgs, signal: AbortSignal, epoch: number): Promise<CurrentToken> {
		debug('%s: fetching a token', this.#label);
		const started = Date.now();
		try {
			const issued = await this.#fetch(args, signal);
			const token = {...issued, since: issued.since ?? started, generation: ++this.#generation};
			if (epoch === this.#epoch) {
				this.#current = token;
			}

			debug('%s: token %d obtained, refresh due in %ds', this.#label, token.generation, Math.round((token.refreshAt - Date.now()) / 1000));
			return token;
		} catch (error: unknown) {
			const judged = isJudgedFailure(error);
			if (judged && epoch === this.#epoch) {
				this.#failure = error;
			}

			debug('%s: token fetch failed (%s)', this.#label, judged ? 'kept until reset()' : 'the next request tries again');
			throw error;
		}
	}
}
