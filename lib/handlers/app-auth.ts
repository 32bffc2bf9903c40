import {AppCredential} from '../credentials/app-credentials.js';
import {appRegistration, type OAuthOptions} from '../options.js';
import {ArcGISAuthBase} from './arcgis-auth-base.js';

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
		const id = appRegistration('ArcGISAppAuth', 'a client id', clientId);
		const secret = appRegistration('ArcGISAppAuth', 'a client secret', clientSecret);
		super({name: 'ArcGISAppAuth', product: 'portal', webTier: false}, options, ({settings, client}) => new AppCredential(id, secret, settings, client));
	}
}
