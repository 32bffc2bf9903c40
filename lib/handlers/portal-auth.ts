import type {AuthOptions, WebTierOptions} from '../options.js';
import {ArcGISPasswordAuth} from './password-auth.js';

/**
Portal for ArcGIS with token security, or behind the web tier with Kerberos or NTLM (Python:
`ArcGISPortalAuth(username, password)`; with no arguments, Kerberos single sign-on). The posture is
read from a GET of `{root}/sharing/rest/info`.

```ts
const s = createSession({auth: new ArcGISPortalAuth()});
await s.get('https://gis.example.com/portal/sharing/rest/portals/self?f=json').json();
```
*/
export class ArcGISPortalAuth extends ArcGISPasswordAuth {
	constructor(username?: string, password?: string, options?: AuthOptions & WebTierOptions) {
		super({name: 'ArcGISPortalAuth', product: 'portal', webTier: true}, username, password, options);
	}
}
