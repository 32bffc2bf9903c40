import type {AuthOptions} from '../options.js';
import {ArcGISPasswordAuth} from './password-auth.js';

/**
Token authentication for Portal for ArcGIS and ArcGIS Online (Python:
`ArcGISPortalTokenAuth(username, password)`). Tokens come from `{root}/sharing/rest/generateToken`,
where the root of ArcGIS Online is its origin.

```ts
const s = createSession({auth: new ArcGISPortalTokenAuth('user', 'secret')});
await s.get('https://www.arcgis.com/sharing/rest/portals/self?f=json').json();
```
*/
export class ArcGISPortalTokenAuth extends ArcGISPasswordAuth {
	constructor(username: string, password: string, options?: AuthOptions) {
		super({name: 'ArcGISPortalTokenAuth', product: 'portal', webTier: false}, username, password, options);
	}
}
