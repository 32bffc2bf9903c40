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

	constructor(store: TokenStore, identity: () => FleetIdentity | undefined, label: string) {
		this.#store = new GuardedStore(store);
		this.#identity = identity;
		this.#label = label;
	}

	/** The fleet's login for the source under `sourceKey` (see tokenKey). */
	share(sourceKey: string, login: Login, label = this.#label): SharedLogin {
		const flight = new FleetFlight(this.#store, async () => this.#keys(sourceKey), login, label);
		return {
			fetch: async (call, signal) => flight.fetch(call, signal),
			dropped(token) {
				flight.dropped(token);
			},
		};
	}

	async #keys(sourceKey: string): Promise<FleetKeys | undefined> {
		const identity = this.#identity();
		if (!identity) {
			return undefined;
		}

		const id = fleetId(sourceKey, identity);
		const {secret, state: shared} = identity;
		const sharedId = stateId(identity);
		const [print, sharedPrint] = secret === undefined ? [undefined, undefined] : await Promise.all([this.#fingerprint(id, secret), shared ? this.#fingerprint(sharedId, secret) : undefined]);
		return fleetKeys(id, print, shared && {key: stateKey(sharedId, sharedPrint), shared});
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
