import {debug} from '../debug.js';
import {emitAuthWarning} from '../warnings.js';
import {DEFAULT_STORE_TIMING, type StoreTiming, type TokenStore} from './token-store.js';

/** A store call failed or took too long: the caller goes on as without a store. */
export class StoreOutage extends Error {
	override name = 'StoreOutage';
}

type Health = {downUntil: number; warned: boolean};

/** One health per store object: every handler of a process that shares a store shares its outage (and its one warning). */
const healthOf = new WeakMap<TokenStore, Health>();

/**
A store as the fleet uses it: every call bounded by `operationTimeout`, every failure turned into
a {@link StoreOutage} after a warning — once per outage, however many handlers and requests run
into it — and the store left alone for `retryAfter` before it is tried again. A store that fails
never fails a request: this is the one place that decides so.
*/
export class GuardedStore {
	readonly store: TokenStore;
	readonly timing: StoreTiming;
	readonly #health: Health;

	constructor(store: TokenStore) {
		this.store = store;
		this.timing = {...DEFAULT_STORE_TIMING, ...definedOnly(store.timing)};
		let health = healthOf.get(store);
		if (!health) {
			health = {downUntil: 0, warned: false};
			healthOf.set(store, health);
		}

		this.#health = health;
	}

	/** Whether the store is to be tried now (not within `retryAfter` of a failure). */
	usable(now = Date.now()): boolean {
		return now >= this.#health.downUntil;
	}

	/** The call's result; a {@link StoreOutage} when it fails or is late (`operationTimeout`, plus `waitMs` for a call that waits on purpose). */
	async call<T>(what: string, run: (store: TokenStore) => Promise<T>, waitMs = 0): Promise<T> {
		let timer: NodeJS.Timeout | undefined;
		const late = new Promise<never>((_resolve, reject) => {
			timer = setTimeout(() => {
				reject(new StoreOutage(`no answer within ${this.timing.operationTimeout} ms`));
			}, this.timing.operationTimeout + waitMs);
		});
		const running = Promise.resolve().then(async () => run(this.store));
		// A late call may still fail after the timeout: that is no unhandled rejection.
		running.catch(() => undefined);
		try {
			const result = await Promise.race([running, late]);
			this.#up();
			return result;
		} catch (error: unknown) {
			this.#down(what, error);
			throw error instanceof StoreOutage ? error : new StoreOutage(describe(error));
		} finally {
			clearTimeout(timer);
		}
	}

	/**
	The same, for a call whose failure changes nothing for the request (a write after a login, a
	release): skipped while the store is down, so that a login that met a hanging store does not
	wait for it once more per step.
	*/
	async quietly(what: string, run: (store: TokenStore) => Promise<unknown>): Promise<void> {
		if (!this.usable()) {
			return;
		}

		try {
			await this.call(what, run);
		} catch {
			// Warned (once) by call(); the request goes on.
		}
	}

	#up(): void {
		const health = this.#health;
		if (health.warned) {
			debug('token store: answering again, used again');
		}

		health.warned = false;
	}

	#down(what: string, error: unknown): void {
		const health = this.#health;
		health.downUntil = Date.now() + this.timing.retryAfter;
		debug('token store: %s failed (%s); going on without it for %d ms', what, describe(error), this.timing.retryAfter);
		if (!health.warned) {
			health.warned = true;
			emitAuthWarning(
				`The shared token store failed (${what}: ${describe(error)}). Requests go on without it — each process logs in on its own — and the store is used again when it answers.`,
				'STORE_UNAVAILABLE',
			);
		}
	}
}

/**
An error in a few words that cannot carry a secret: its code or name and, for a timeout, our own
text. A store client's message may quote a URL with its password, or a value.
*/
function describe(error: unknown): string {
	if (error instanceof StoreOutage) {
		return error.message;
	}

	const code = (error as {code?: unknown} | null)?.code;
	if (typeof code === 'string' && /^[\w.-]{1,40}$/.test(code)) {
		return code;
	}

	const name = error instanceof Error ? error.name : typeof error;
	return /^[\w.-]{1,40}$/.test(name) ? name : 'error';
}

function definedOnly(timing: Partial<StoreTiming> | undefined): Partial<StoreTiming> {
	return Object.fromEntries(Object.entries(timing ?? {}).filter(([, value]) => typeof value === 'number' && Number.isFinite(value) && value >= 0));
}
