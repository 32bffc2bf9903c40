import {SharedSlot, type Patience} from './shared-call.js';

/**
Computes a value once and shares it: concurrent callers wait on the same call, each on its own
terms (see {@link SharedCall}). A failure is not kept — the next caller tries again — which suits
look-ups that carry no credentials.
*/
export class SingleFlight<T> {
	readonly #what: string;
	#value: {ok: true; value: T} | undefined;
	readonly #inFlight = new SharedSlot<T>();

	/** `what` names the look-up in the message of a request that gave up waiting for it. */
	constructor(what: string) {
		this.#what = what;
	}

	/** The value, if it has been computed (no waiting). */
	peek(): T | undefined {
		return this.#value?.value;
	}

	async get(compute: (signal: AbortSignal) => Promise<T>, patience?: Patience): Promise<T> {
		if (this.#value) {
			return this.#value.value;
		}

		return this.#inFlight.join(
			async (signal, isCurrent) => {
				const value = await compute(signal);
				// A look-up cleared while it ran (a reset) does not store its late answer.
				if (isCurrent()) {
					this.#value = {ok: true, value};
				}

				return value;
			},
			patience,
			this.#what,
		);
	}

	clear(): void {
		this.#value = undefined;
		this.#inFlight.clear();
	}
}
