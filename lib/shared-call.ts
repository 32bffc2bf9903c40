import {TokenAuthenticationError} from './errors.js';

/**
How long one request is willing to wait for a call it shares with others: until its own signal
aborts, or its own deadline (from got's `timeout.request`) passes.
*/
export type Patience = {
	readonly signal?: AbortSignal;
	/** Local-clock milliseconds. */
	readonly deadline?: number;
};

/** The patience of a request with these got options (its signal and its `timeout.request`). */
export function patienceOf(options: {signal?: unknown; timeout: {request?: number}}, now = Date.now()): Patience {
	const signal = options.signal instanceof AbortSignal ? options.signal : undefined;
	const {request} = options.timeout;
	return {...(signal ? {signal} : {}), ...(request === undefined ? {} : {deadline: now + request})};
}

/**
One call (a discovery, a login, a federation exchange) shared by every request that needs its
result. Each request waits on its own terms — released by its own timeout or signal whatever the
shared call does — and once the last of them has left, the call is aborted: nothing of it (a
socket, a timer) keeps the process alive after the last request. The call still ends by its own
deadline (the handler's `callTimeout`) while anyone waits.
*/
export class SharedCall<T> {
	readonly #controller = new AbortController();
	readonly #promise: Promise<T>;
	#waiters = 0;
	#settled = false;

	constructor(run: (signal: AbortSignal) => Promise<T>) {
		this.#promise = run(this.#controller.signal);
		// Registered first, so it runs before any waiter resumes; also keeps a failure no one waits
		// for from being an unhandled rejection.
		this.#promise.then(
			() => {
				this.#settled = true;
			},
			() => {
				this.#settled = true;
			},
		);
	}

	/** Every waiter left before the end: the call was aborted, and a new request must start another. */
	get abandoned(): boolean {
		return this.#controller.signal.aborted;
	}

	/** The call's result, or this request's own timeout or abort, whichever comes first. `what` names the call in messages. */
	async wait(patience: Patience | undefined, what: string): Promise<T> {
		const {signal, deadline} = patience ?? {};
		this.#waiters++;
		let timer: NodeJS.Timeout | undefined;
		let onAbort: (() => void) | undefined;
		try {
			return await new Promise<T>((resolve, reject) => {
				this.#promise.then(resolve, reject);
				if (deadline !== undefined) {
					const left = Math.max(0, deadline - Date.now());
					timer = setTimeout(() => {
						reject(new TokenAuthenticationError('NETWORK_ERROR', `Timeout waiting for ${what}: it did not finish within the request's timeout.request (${left} ms).`));
					}, left);
				}

				if (signal) {
					onAbort = () => {
						reject(new TokenAuthenticationError('NETWORK_ERROR', `The request was aborted while waiting for ${what}.`));
					};

					if (signal.aborted) {
						onAbort();
					} else {
						signal.addEventListener('abort', onAbort, {once: true});
					}
				}
			});
		} finally {
			clearTimeout(timer);
			if (onAbort) {
				signal?.removeEventListener('abort', onAbort);
			}

			this.#leave();
		}
	}

	#leave(): void {
		this.#waiters--;
		if (this.#waiters === 0 && !this.#settled) {
			this.#controller.abort();
		}
	}
}

/**
The place of the one call in flight for something (a token source, a look-up): a request joins the
call under way, or starts one when there is none or the last was abandoned. The slot forgets the
call when it ends, and `clear()` forgets it at once (a reset): a call so dropped may still finish,
but `isCurrent` tells it that its result no longer belongs to the slot.
*/
export class SharedSlot<T> {
	#call: SharedCall<T> | undefined;

	/** Joins the call in flight, or starts `run` as the new one. */
	async join(run: (signal: AbortSignal, isCurrent: () => boolean) => Promise<T>, patience: Patience | undefined, what: string): Promise<T> {
		if (!this.#call || this.#call.abandoned) {
			const call: SharedCall<T> = new SharedCall(async signal => {
				try {
					return await run(signal, () => this.#call === call);
				} finally {
					if (this.#call === call) {
						this.#call = undefined;
					}
				}
			});
			this.#call = call;
		}

		return this.#call.wait(patience, what);
	}

	clear(): void {
		this.#call = undefined;
	}
}
