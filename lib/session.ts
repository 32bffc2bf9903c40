import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import got, {type Got, type Headers} from 'got';
import {CookieJar} from 'tough-cookie';
import type {AuthHooks} from './handlers/arcgis-auth-base.js';
import {invalidOption} from './errors.js';

/** Options of {@link createSession}. */
export type SessionOptions = {
	/** A handler whose hooks authenticate every request of the session. */
	auth?: {
		/** The handler's got hooks. */
		hooks: AuthHooks;
	};
	/** Verify TLS certificates of the session's requests (Python `Session.verify`). Default `true`. */
	verify?: boolean;
	/** Headers sent with every request. */
	headers?: Headers;
	/** A tough-cookie jar to keep cookies in. Default: a new, empty jar. */
	cookieJar?: CookieJar;
};

/**
The `requests.Session` of this library: a got instance with a cookie jar, keep-alive connections
and the handler's hooks.

```ts
const s = createSession({auth: new ArcGISPortalTokenAuth(user, password)});
await s.get('https://host/portal/sharing/rest/portals/self?f=json').json();
```
*/
export function createSession(options: SessionOptions = {}): Got {
	const {auth, verify = true, headers = {}, cookieJar = new CookieJar()} = options;
	if (auth !== undefined && (typeof auth !== 'object' || auth === null || typeof auth.hooks !== 'object')) {
		throw invalidOption('createSession option auth must be a handler such as new ArcGISServerTokenAuth(username, password).');
	}

	if (typeof verify !== 'boolean') {
		throw invalidOption('createSession option verify must be true or false.');
	}

	return got.extend({
		...(auth ? {hooks: auth.hooks} : {}),
		headers,
		cookieJar,
		// Keep-alive: the token is reused across requests, and so should the TLS connection be.
		agent: {http: new HttpAgent({keepAlive: true}), https: new HttpsAgent({keepAlive: true})},
		https: {rejectUnauthorized: verify},
	});
}
