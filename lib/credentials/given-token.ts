import {TokenAuthenticationError} from '../errors.js';
import {redactUrl} from '../site/redact.js';
import type {Site} from '../site/site.js';
import type {IssuedToken} from '../token/issued-token.js';
import type {TokenEndpoint} from '../token/token-endpoint.js';
import type {Credential} from './credential.js';

/** A token obtained elsewhere (an API key, another tool's token), with its expiry if known. */
export type GivenToken = {
	/** The token or API key. */
	value: string;
	/** When it expires, if known. */
	expires?: Date;
};

/**
A token given as it is (`ArcGISTokenAuth`). It is handed out once; when it expires or the site
rejects it there is nothing to renew it with, and every later request says so until a new one is
given. `reset()` hands it out again (it still fails once its stated expiry has passed).
*/
export class GivenTokenCredential implements Credential {
	readonly #label: string;
	#given: GivenToken;
	#used = false;

	constructor(label: string, given: GivenToken) {
		this.#label = label;
		this.#given = given;
	}

	/** The token serves the site it is used on, whatever its product: no discovery, no token service. */
	ownEndpoint(site: Site): TokenEndpoint {
		return {url: new URL(site.root)};
	}

	// Not async in spirit (nothing to wait for), but a Credential's fetch answers with a promise.
	// eslint-disable-next-line @typescript-eslint/require-await
	async fetch({url}: TokenEndpoint): Promise<IssuedToken> {
		const given = this.#given;
		const expiresAt = given.expires?.getTime() ?? Number.POSITIVE_INFINITY;
		if (this.#used || expiresAt <= Date.now()) {
			throw new TokenAuthenticationError(
				'TOKEN_EXPIRED',
				`${this.#label}: the token given for ${redactUrl(url)} has expired or was rejected by the site, and cannot be renewed: give a new one (setToken), or use a handler that logs in.`,
				{url},
			);
		}

		this.#used = true;
		return {token: given.value, expires: given.expires, expiresAt, refreshAt: expiresAt, ssl: false};
	}

	replace(given: GivenToken): void {
		this.#given = given;
		this.#used = false;
	}

	secrets(): ReadonlyArray<string | undefined> {
		return [this.#given.value];
	}

	reset(): void {
		this.#used = false;
	}
}
