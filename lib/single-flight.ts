/**
Computes a value once and shares it: concurrent callers wait on the same promise. A failure is
not kept — the next caller tries again — which suits look-ups that carry no credentials.
*/
export class SingleFlight<T> {
	#value: {ok: true; value: T} | undefined;
	#inFlight: Promise<T> | undefined;

	async get(compute: () => Promise<T>): Promise<T> {
		if (this.#value) {
			return this.#value.value;
		}

		this.#inFlight ??= (async () => {
			try {
				const value = await compute();
				this.#value = {ok: true, value};
				return value;
			} finally {
				this.#inFlight = undefined;
			}
		})();
		return this.#inFlight;
	}

	clear(): void {
		this.#value = undefined;
		this.#inFlight = undefined;
	}
}
