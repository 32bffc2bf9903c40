import {AppCredential} from '../credentials/app-credentials.js';
import {invalidOption} from '../errors.js';
import type {OAuthOptions} from '../options.js';
import {ArcGISAuthBase} from './arcgis-auth-base.js';

function required(name: string, value: unknown): string {
	if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) {
		// Never the value itself: a secret passed in the wrong place must not reach a log.
		throw invalidOption(`ArcGISAppAuth needs ${name} as a non-empty string on one line (from the app's registration in the portal).`);
	}

	return value;
}

/**
App credentials (OAuth 2.0 `client_credentials`): app tokens for an app registered in ArcGIS
Online or Portal for ArcGIS, with no user — what Esri recommends for automation that needs no
user's content. Tokens come from `{portal}/sharing/rest/oauth2/token` and are renewed before they
expire and once on 498/499, as every handler's. Servers federated with the portal get server
tokens for the app token. A refused client id or secret is `OAUTH_ERROR`, kept until `reset()`.

```ts
const auth = new ArcGISAppAuth(clientId, clientSecret, {portal: 'https://www.arcgis.com'});
const s = createSession({auth});
await s.get('https://www.arcgis.com/sharing/rest/portals/self?f=json').json();
```
*/
export class ArcGISAppAuth extends ArcGISAuthBase {
	constructor(clientId: string, clientSecret: string, options?: OAuthOptions) {
		const id = required('a client id', clientId);
		const secret = required('a client secret', clientSecret);
		super({name: 'ArcGISAppAuth', product: 'portal', webTier: false}, options, ({settings, client}) => new AppCredential(id, secret, settings, client));
	}
}
