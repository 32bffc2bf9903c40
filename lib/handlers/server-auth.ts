import type {AuthOptions, WebTierOptions} from '../options.js';
import {ArcGISPasswordAuth} from './password-auth.js';

/**
ArcGIS Server with token security, or behind the web tier (IIS Integrated Windows Authentication)
with Kerberos or NTLM (Python: `ArcGISServerAuth(username, password)`; with no arguments, Kerberos
single sign-on from the logged-in user's ticket).

```ts
const sso = createSession({auth: new ArcGISServerAuth()});            // Kerberos ticket
const ntlm = createSession({auth: new ArcGISServerAuth('EXAMPLE\\alice', password)});
```
*/
export class ArcGISServerAuth extends ArcGISPasswordAuth {
	constructor(username?: string, password?: string, options?: AuthOptions & WebTierOptions) {
		super({name: 'ArcGISServerAuth', product: 'server', webTier: true}, username, password, options);
	}
}
