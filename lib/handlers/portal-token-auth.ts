import type {AuthOptions} from '../options.js';
import type {CallContext} from '../token/arcgis-client.js';
import {ArcGISAuthBase, type Site} from './arcgis-auth-base.js';

/**
Token authentication for Portal for ArcGIS and ArcGIS Online: tokens come from
`{root}/sharing/rest/generateToken`, where the root of ArcGIS Online is its origin.

```ts
const auth = new ArcGISPortalTokenAuth('user', 'secret');
const s = createSession({auth});
await s.get('https://www.arcgis.com/sharing/rest/portals/self?f=json').json();
```
*/
export class ArcGISPortalTokenAuth extends ArcGISAuthBase {
	constructor(username: string, password: string, options?: AuthOptions) {
		super(username, password, options, true);
	}

	protected get kind(): string {
		return 'ArcGISPortalTokenAuth';
	}

	protected async tokenEndpoint(_url: URL, site: Site, _call: CallContext): Promise<URL | undefined> {
		return new URL(`${site.root}/sharing/rest/generateToken`);
	}
}
