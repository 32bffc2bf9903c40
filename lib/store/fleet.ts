import {debug} from '../debug.js';
import {fingerprint, fleetId, fleetKeys, stateId, stateKey, type FleetIdentity, type FleetKeys} from './fleet-keys.js';
import {FleetFlight, type Login} from './fleet-flight.js';
import {GuardedStore} from './guarded-store.js';
import type {TokenStore} from './token-store.js';

/** What the token registry makes a source's login from: the login, and what to tell when a token is rejected. */
export type SharedLogin = {readonly fetch: Login; readonly dropped?: (token: string) => void};

/**
A handler's share of a store (option `store`): each of its token sources gets a login shared by
the fleet, under keys made from the source and the credential's identity at the time of the login
(new credentials are another identity). A credential that names no identity (a token given as it
is, Kerberos) shares nothing: its sources log in as without a store.
*/
export class Fleet {
	readonly #store: GuardedStore;
	readonly #identity: () => FleetIdentity | undefined;
	readonly #label: string;
	/** Fingerprints by source (or state) id, with the secret they are of: scrypt runs once per source and password, not per login. */
	readonly #fingerprints = new Map<string, {secret: string; fingerprint: Promise<string>}>();
	/** The token sources shared so far: whose refusals reset() forgets. */
	readonly #sourceKeys = new Set<string>();
	/** The store forgetting refusals (reset()): every login waits for it, or it would read them back. */
	#forgetting: Promise<void> = Promise.resolve();

	constructor(store: TokenStore, identity: () => FleetIdentity | undefined, label: string) {
		this.#store = new GuardedStore(store);
		this.#identity = identity;
		this.#label = label;
	}

	/** The fleet's login for the source under `sourceKey` (see tokenKey). */
	share(sourceKey: string, login: Login, label = this.#label): SharedLogin {
		this.#sourceKeys.add(sourceKey);
		const keys = async () => {
			await this.#forgetting;
			return this.#keys(sourceKey);
		};

		const flight = new FleetFlight(this.#store, keys, login, label);
		return {
			fetch: async (call, signal) => flight.fetch(call, signal),
			dropped(token) {
				flight.dropped(token);
			},
		};
	}

	/**
	`auth.reset()` asks to try again: the refusals the fleet keeps for this identity and password
	are deleted from the store — only those, another password's stay. reset() is synchronous, so
	this starts the deletes and returns; the next login waits for them. A store that fails warns
	once (GuardedStore) and the next login goes on as without it.
	*/
	forgetRefusals(): void {
		const forgetting = [...this.#sourceKeys].map(async sourceKey => this.#forget(sourceKey));
		this.#forgetting = Promise.all([this.#forgetting, ...forgetting]).then(() => undefined);
	}

	async #forget(sourceKey: string): Promise<void> {
		if (!this.#store.usable()) {
			return;
		}

		// The identity now (before any await): reset() forgets the refusal of the password it has.
		const failure = (await this.#keys(sourceKey).catch(() => undefined))?.failure;
		if (failure === undefined) {
			return;
		}

		await this.#store.quietly('forget a refused login', async store => {
			const raw = await store.get(failure);
			if (raw !== undefined) {
				debug('%s: reset(): the refused login the store kept for this password is deleted', this.#label);
				await store.deleteIf(failure, raw);
			}
		});
	}

	async #keys(sourceKey: string): Promise<FleetKeys | undefined> {
		const identity = this.#identity();
		if (!identity) {
			return undefined;
		}

		const id = fleetId(sourceKey, identity);
		const {secret, state: shared} = identity;
		// The shared state's id is hashed only for a credential that has one (an OAuth or SAML session).
		const state = shared && {id: stateId(identity), shared};
		const [print, sharedPrint] = secret === undefined ? [undefined, undefined] : await Promise.all([this.#fingerprint(id, secret), state && this.#fingerprint(state.id, secret)]);
		return fleetKeys(id, print, state && {key: stateKey(state.id, sharedPrint), shared: state.shared});
	}

	/** The secret's fingerprint salted with `id`, made once per id and secret. */
	async #fingerprint(id: string, secret: string): Promise<string> {
		let memo = this.#fingerprints.get(id);
		if (memo?.secret !== secret) {
			memo = {secret, fingerprint: fingerprint(secret, id)};
			this.#fingerprints.set(id, memo);
		}

		return memo.fingerprint;
	}
}
