import {debug} from '../debug.js';
import type {AuthOptions} from '../options.js';
import {isAdminUrl} from '../site/site-root.js';
import type {CallContext} from '../token/arcgis-client.js';
import {parseServerInfo, type ServerSecurity} from '../token/server-info.js';
import {SingleFlight} from '../single-flight.js';
import {emitAuthWarning} from '../warnings.js';
import {ArcGISAuthBase, type Site} from './arcgis-auth-base.js';

/**
Token authentication for ArcGIS Server.

The site's `rest/info` says whether it uses tokens and where they come from; URLs under
`{root}/admin` get their token from `{root}/admin/generateToken`, which the info never advertises.

```ts
const auth = new ArcGISServerTokenAuth('user', 'secret');
await got('https://host/arcgis/rest/services?f=json', {hooks: auth.hooks}).json();
```
*/
export class ArcGISServerTokenAuth extends ArcGISAuthBase {
	#security = new SingleFlight<ServerSecurity>();
	#warned = false;

	constructor(username: string, password: string, options?: AuthOptions) {
		super(username, password, options, true);
	}

	protected get kind(): string {
		return 'ArcGISServerTokenAuth';
	}

	protected async tokenEndpoint(url: URL, site: Site, call: CallContext): Promise<URL | undefined> {
		const security = await this.#security.get(async () => this.#discover(site, call));
		if (!security.tokenBased) {
			if (!this.#warned) {
				this.#warned = true;
				// The original's behaviour: say so once and carry on without a token.
				emitAuthWarning(`${site.root} does not use token security (rest/info: isTokenBasedSecurity is not true); requests are sent without a token.`, 'NO_TOKEN_SECURITY');
			}

			return undefined;
		}

		return isAdminUrl(url, site.root) ? new URL(`${site.root}/admin/generateToken`) : security.tokenServicesUrl;
	}

	protected override resetSite(): void {
		this.#security.clear();
		this.#warned = false;
	}

	async #discover(site: Site, call: CallContext): Promise<ServerSecurity> {
		const infoUrl = new URL(`${site.root}/rest/info?f=json`);
		debug('%s: discovering %s', this.kind, infoUrl.href);
		return parseServerInfo(await this.client.getJson(infoUrl, call), infoUrl, site.root);
	}
}
