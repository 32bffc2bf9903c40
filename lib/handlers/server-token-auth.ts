import type {AuthOptions} from '../options.js';
import {ArcGISPasswordAuth} from './password-auth.js';

/**
Token authentication for ArcGIS Server (Python: `ArcGISServerTokenAuth(username, password)`).

The site's `rest/info` says whether it uses tokens and where they come from; URLs under
`{root}/admin` get theirs from `{root}/admin/generateToken`.

```ts
const auth = new ArcGISServerTokenAuth('user', 'secret');
await got('https://host/arcgis/rest/services?f=json', {hooks: auth.hooks}).json();
```
*/
export class ArcGISServerTokenAuth extends ArcGISPasswordAuth {
	constructor(username: string, password: string, options?: AuthOptions) {
		super({name: 'ArcGISServerTokenAuth', product: 'server', webTier: false}, username, password, options);
	}
}
