// Python: gis = GIS(portal, user, pw); for server in gis.admin.servers.list(): ...
// One portal login; each federated server gets a server token of its own from the portal.
import {ArcGISPortalTokenAuth, createSession} from 'got-arcgis-auth';
import {settings} from './env.js';

type Servers = {servers?: Array<{url: string; serverRole: string}>};
type Catalog = {folders?: string[]; services?: unknown[]};

const {portalUrl, username, password} = settings('ARCGIS_PORTAL_URL');
const s = createSession({auth: new ArcGISPortalTokenAuth(username, password)});
const {servers = []} = await s.get(`${portalUrl}/sharing/rest/portals/self/servers?f=json`).json<Servers>();
for (const server of servers) {
	const catalog = await s.get(`${server.url}/rest/services?f=json`).json<Catalog>();
	console.log(`${server.url} (${server.serverRole}): ${catalog.services?.length ?? 0} services`);
}
