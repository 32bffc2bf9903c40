import {createHash, scrypt} from 'node:crypto';

/**
Who a shared token belongs to, as a credential tells it: `who` names the login without any secret
(the kind of login, the user or client id, and what else makes a token different: client, referer,
ip, lifetime); `secret` is what a refused login is kept against (the password, the client secret).
*/
export type FleetIdentity = {readonly who: readonly string[]; readonly secret: string | undefined; readonly state?: SharedState};

/**
What a credential keeps that the fleet must share beyond its tokens: a user's refresh token, which
a renewal replaces (and the old one dies). The process that logs in for the fleet adopts the
latest state first and saves it after.
*/
export type SharedState = {
	/** The state to store (JSON text), and how long it lives. */
	save(): {readonly text: string; readonly ttlMs: number};
	/** Takes a state another process saved (text from save()); one that does not read is ignored. */
	adopt(text: string): void;
};

/** The store keys of one token source of one identity. */
export type FleetKeys = {
	/** The token record. */
	readonly token: string;
	/** The login lock: whoever holds it logs in for the fleet. */
	readonly lock: string;
	/** Where the lock holder tells the waiters it is done. */
	readonly channel: string;
	/** A refused login for this very secret (its fingerprint), when the identity has a secret. */
	readonly failure: string | undefined;
	/** The secret's fingerprint: a stored token says which secret obtained it, and only that one takes it. */
	readonly fingerprint: string | undefined;
	/** The credential's shared state and its key (one per credential, not per token source), if it has one. */
	readonly state: {readonly key: string; readonly shared: SharedState} | undefined;
};

/** The id of a credential's shared state: by its identity alone (every token source of it shares one). */
export function stateId(identity: FleetIdentity): string {
	return fleetId('credential', identity);
}

/**
The key of a credential's shared state. With a secret (a SAML session begun with a password), the
key names its fingerprint as a token record names the secret that obtained it: a process with a
mistyped or old password borrows no session of the right one.
*/
export function stateKey(id: string, fingerprint: string | undefined): string {
	return fingerprint === undefined ? `state:{${id}}` : `state:{${id}}:${fingerprint}`;
}

/**
The one function that names what a fleet shares. The id hashes the token source (its endpoint, or
the federated server) with the identity: tokens of different users, sites, clients and referers
never meet under one key, and no key holds a name or a password in the clear. The `{id}` braces are
a Redis Cluster hash tag: a source's keys live on one node.
*/
export function fleetId(sourceKey: string, identity: FleetIdentity): string {
	return createHash('sha256')
		.update(JSON.stringify(['got-arcgis-auth fleet v1', sourceKey, ...identity.who]))
		.digest('base64url')
		.slice(0, 32);
}

export function fleetKeys(id: string, fingerprint: string | undefined, state?: {key: string; shared: SharedState}): FleetKeys {
	return {
		state,
		token: `token:{${id}}`,
		lock: `lock:{${id}}`,
		channel: `ready:{${id}}`,
		failure: fingerprint === undefined ? undefined : `failure:{${id}}:${fingerprint}`,
		fingerprint,
	};
}

// scrypt at N = 2^15, r = 8: about 32 MiB and tens of milliseconds per guess, once per process and
// password. A fast hash of a password in a shared store would be a password list for anyone who can
// read the store.
const SCRYPT = {N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024};

/**
A slow, salted fingerprint of a secret: what a refused login is kept under, so that processes with
the same wrong password make one attempt, and a process with another password is not held back.
The salt is the source's id: the same password gives other fingerprints for other users and sites.
*/
export async function fingerprint(secret: string, id: string): Promise<string> {
	const salt = createHash('sha256').update(`got-arcgis-auth refused login v1 ${id}`).digest();
	return new Promise((resolve, reject) => {
		scrypt(secret, salt, 18, SCRYPT, (error, derived) => {
			if (error) {
				reject(error);
			} else {
				resolve(derived.toString('base64url'));
			}
		});
	});
}
