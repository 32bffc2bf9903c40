import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import {createRequire} from 'node:module';
import got, {type Got, type Headers} from 'got';
import type {CookieJar} from 'tough-cookie';
import type {AuthHooks} from './pipeline/hooks.js';
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
A new, empty tough-cookie jar. tough-cookie is loaded here, when a session without a jar of the
caller's is made, and not at import: it adds about 55 ms to every `import 'got-arcgis-auth'`, and
programs that use the handlers' hooks alone never need it. A synchronous require keeps
createSession synchronous (it loads tough-cookie's CommonJS build; got accepts any jar).
*/
function newCookieJar(): CookieJar {
	const {CookieJar: Jar} = createRequire(import.meta.url)('tough-cookie') as {CookieJar: typeof CookieJar};
	return new Jar();
}

/**
The `requests.Session` of this library: a got instance with a cookie jar, keep-alive connections
and the handler's hooks.

```ts
const s = createSession({auth: new ArcGISPortalTokenAuth(user, password)});
await s.get('https://host/portal/sharing/rest/portals/self?f=json').json();
```
*/
export function createSession(options: SessionOptions = {}): Got {
	const {auth, verify = true, headers = {}, cookieJar = newCookieJar()} = options;
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
