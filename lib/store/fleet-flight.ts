import {randomUUID} from 'node:crypto';
import {debug} from '../debug.js';
import type {CallContext} from '../token/arcgis-client.js';
import type {IssuedToken} from '../token/issued-token.js';
import type {FleetKeys} from './fleet-keys.js';
import {StoreOutage, type GuardedStore} from './guarded-store.js';
import {decodeFailure, decodeToken, encodeFailure, encodeToken} from './stored-token.js';

/** A token source's own login (what it does without a store). */
export type Login = (call: CallContext, signal: AbortSignal) => Promise<IssuedToken>;

/**
One token source's login shared by the fleet: a distributed single flight over a store. In front
of the process's own single flight (TokenSource): it runs only when this process needs a token,
so a request with a fresh token never touches the store.

- A token another process stored and not yet due for refresh is taken as it is — if the same
  secret obtained it (a process with a mistyped or old password borrows nothing).
- Else the process that takes the lock logs in and stores the token; the others wait for its
  notification (polling as well), each bounded by its own patience (the shared call's signal),
  and read the token it stored. A holder that died leaves a lock that expires (`lockTtl`).
- A refused login is stored under the password's fingerprint: the fleet makes one attempt.
- A token that a site rejected (498) is deleted from the store, if it still holds it: the fleet
  refreshes once, and no process takes the rejected token back from the store.
- The store failing at any point: the login happens as without a store (GuardedStore warned).
*/
export class FleetFlight {
	readonly #store: GuardedStore;
	readonly #keys: () => Promise<FleetKeys | undefined>;
	readonly #login: Login;
	readonly #label: string;
	/** The last token a site rejected: never taken from the store again. */
	#rejected: string | undefined;
	/** The store's copy of a rejected token being deleted: a login waits for it. */
	#dropping: Promise<void> = Promise.resolve();

	constructor(store: GuardedStore, keys: () => Promise<FleetKeys | undefined>, login: Login, label: string) {
		this.#store = store;
		this.#keys = keys;
		this.#login = login;
		this.#label = label;
	}

	async fetch(call: CallContext, signal: AbortSignal): Promise<IssuedToken> {
		// A fingerprint that cannot be made (scrypt out of memory) is no reason to fail the request.
		const keys = this.#store.usable() ? await this.#keys().catch(() => undefined) : undefined;
		if (!keys) {
			return this.#login(call, signal);
		}

		await this.#dropping;
		try {
			return await this.#shared(keys, call, signal);
		} catch (error: unknown) {
			if (error instanceof StoreOutage) {
				return this.#login(call, signal);
			}

			throw error;
		}
	}

	/** A site rejected this token: the store forgets it too, if it still holds it. */
	dropped(token: string): void {
		this.#rejected = token;
		this.#dropping = this.#drop(token);
	}

	async #drop(token: string): Promise<void> {
		const keys = this.#store.usable() ? await this.#keys().catch(() => undefined) : undefined;
		if (!keys) {
			return;
		}

		await this.#store.quietly('delete a rejected token', async store => {
			const raw = await store.get(keys.token);
			if (raw !== undefined && decodeToken(raw, keys.fingerprint)?.token === token) {
				debug('%s: rejected token deleted from the store', this.#label);
				await store.deleteIf(keys.token, raw);
			}
		});
	}

	async #shared(keys: FleetKeys, call: CallContext, signal: AbortSignal): Promise<IssuedToken> {
		const store = this.#store;
		const {lockTtl, pollInterval} = store.timing;
		await this.#failed(keys);
		// A live holder logs in within its callTimeout, shorter than the lock's life; a dead one's
		// lock expires within lockTtl. Past that, something is wrong with the store: go on alone.
		const giveUpAt = Date.now() + lockTtl + pollInterval;
		for (;;) {
			const stored = await this.#stored(keys);
			if (stored) {
				debug('%s: token taken from the store', this.#label);
				return stored;
			}

			const owner = randomUUID();
			if (await store.call('take the login lock', async s => s.lock(keys.lock, owner, lockTtl))) {
				return this.#asHolder(keys, owner, call, signal);
			}

			signal.throwIfAborted();
			const left = giveUpAt - Date.now();
			if (left <= 0) {
				throw new StoreOutage('the login lock was never released nor expired');
			}

			debug('%s: another process is logging in; waiting', this.#label);
			const wait = Math.min(pollInterval, left);
			await store.call('wait for another login', async s => s.waitFor(keys.channel, wait, signal), wait);
			signal.throwIfAborted();
		}
	}

	async #asHolder(keys: FleetKeys, owner: string, call: CallContext, signal: AbortSignal): Promise<IssuedToken> {
		const store = this.#store;
		try {
			// Another holder may have finished between our read and our lock.
			const stored = await this.#stored(keys);
			if (stored) {
				return stored;
			}

			await this.#failed(keys);
			const state = await this.#adoptState(keys);
			debug('%s: logging in for the fleet', this.#label);
			const since = Date.now();
			let issued: IssuedToken;
			try {
				issued = {since, ...(await this.#login(call, signal))};
			} catch (error: unknown) {
				const until = Date.now() + store.timing.failureTtl;
				const record = keys.failure === undefined ? undefined : encodeFailure(error, until);
				if (record !== undefined) {
					await store.quietly('keep a refused login', async s => s.set(keys.failure!, record, store.timing.failureTtl));
				}

				throw error;
			}

			await this.#saveState(keys, state);
			const ttl = issued.expiresAt - Date.now();
			if (Number.isFinite(ttl) && ttl > 0) {
				await store.quietly('store a token', async s => s.set(keys.token, encodeToken(issued, keys.fingerprint), Math.ceil(ttl)));
			}

			return issued;
		} finally {
			await store.quietly('release the login lock', async s => s.unlock(keys.lock, owner));
			await store.quietly('wake the waiters', async s => s.notify(keys.channel));
		}
	}

	/** The credential's state as the fleet last saved it, adopted before this process logs in; what it was, to see a change. */
	async #adoptState(keys: FleetKeys): Promise<string | undefined> {
		if (!keys.state) {
			return undefined;
		}

		const {key, shared} = keys.state;
		const text = await this.#store.call('read the shared state', async s => s.get(key));
		if (text !== undefined) {
			shared.adopt(text);
		}

		return shared.save().text;
	}

	/** Saves the credential's state after a login that changed it (a renewed refresh token). */
	async #saveState(keys: FleetKeys, before: string | undefined): Promise<void> {
		if (!keys.state) {
			return;
		}

		const {key, shared} = keys.state;
		const {text, ttlMs} = shared.save();
		if (text !== before) {
			debug('%s: new shared state (a renewed refresh token) stored', this.#label);
			await this.#store.quietly('store the shared state', async s => s.set(key, text, ttlMs));
		}
	}

	/** The stored token, if it is one this process may take now. */
	async #stored(keys: FleetKeys): Promise<IssuedToken | undefined> {
		const issued = decodeToken(await this.#store.call('read a token', async s => s.get(keys.token)), keys.fingerprint);
		return issued && Date.now() < issued.refreshAt && issued.token !== this.#rejected ? issued : undefined;
	}

	/** Throws the refusal the fleet keeps for this password, if there is one. */
	async #failed(keys: FleetKeys): Promise<void> {
		if (keys.failure === undefined) {
			return;
		}

		const failure = decodeFailure(await this.#store.call('read a refused login', async s => s.get(keys.failure!)));
		if (failure) {
			debug('%s: the store keeps a refused login for this password; not trying again', this.#label);
			throw failure;
		}
	}
}
