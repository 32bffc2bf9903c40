import {SharedCall, type Patience} from './shared-call.js';

/**
Computes a value once and shares it: concurrent callers wait on the same call, each on its own
terms (see {@link SharedCall}). A failure is not kept — the next caller tries again — which suits
look-ups that carry no credentials.
*/
export class SingleFlight<T> {
	readonly #what: string;
	#value: {ok: true; value: T} | undefined;
	#inFlight: SharedCall<T> | undefined;

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

		if (!this.#inFlight || this.#inFlight.abandoned) {
			const call = new SharedCall<T>(async signal => {
				try {
					const value = await compute(signal);
					if (this.#inFlight === call) {
						this.#value = {ok: true, value};
					}

					return value;
				} finally {
					if (this.#inFlight === call) {
						this.#inFlight = undefined;
					}
				}
			});
			this.#inFlight = call;
		}

		return this.#inFlight.wait(patience, this.#what);
	}

	clear(): void {
		this.#value = undefined;
		this.#inFlight = undefined;
	}
}
