import {invalidOption} from '../errors.js';
import type {AuthOptions} from '../options.js';
import {isTokenText} from '../token/issued-token.js';
import {GivenTokenCredential, type GivenToken} from '../credentials/given-token.js';
import {ArcGISAuthBase} from './arcgis-auth-base.js';

/** Options of {@link ArcGISTokenAuth}: the shared ones, plus the token's expiry when known. */
export type TokenAuthOptions = AuthOptions & {
	/** When the token expires (a Date or milliseconds since the epoch); after it, requests fail with TOKEN_EXPIRED. */
	expires?: Date | number;
};

function checkToken(token: unknown, expires: unknown): GivenToken {
	if (typeof token !== 'string' || !isTokenText(token)) {
		throw invalidOption('ArcGISTokenAuth needs the token (or API key) as a non-empty string of printable ASCII without spaces.');
	}

	if (expires === undefined) {
		return {value: token};
	}

	const date = expires instanceof Date ? expires : new Date(expires as number);
	if (Number.isNaN(date.getTime())) {
		throw invalidOption('option expires must be a Date or milliseconds since the epoch.');
	}

	return {value: token, expires: date};
}

/**
A token obtained elsewhere — an ArcGIS Online / Location Platform API key, or a token another tool
produced — with the same placement, redirect, transport and secret rules as the other handlers.
It cannot be renewed: once it expires, or the site answers 498 for it, requests fail with
`TOKEN_EXPIRED` until {@link ArcGISTokenAuth.setToken} gives a new one.

```ts
const auth = new ArcGISTokenAuth(process.env.ARCGIS_API_KEY!, {tokenIn: 'header'});
await got('https://www.arcgis.com/sharing/rest/portals/self?f=json', {hooks: auth.hooks}).json();
```
*/
export class ArcGISTokenAuth extends ArcGISAuthBase {
	readonly #credential: GivenTokenCredential;

	constructor(token: string, options: TokenAuthOptions = {}) {
		const {expires, ...shared} = options;
		const credential = new GivenTokenCredential('ArcGISTokenAuth', checkToken(token, expires));
		// Any site: a token given as it is needs no discovery, so the product does not matter ('server': no federation routing).
		super({name: 'ArcGISTokenAuth', product: 'server', webTier: false}, shared, () => credential);
		this.#credential = credential;
	}

	/** Replaces the token (and its expiry): the next request uses it. */
	setToken(token: string, expires?: Date | number): void {
		this.#credential.replace(checkToken(token, expires));
		this.forgetTokens();
	}
}
