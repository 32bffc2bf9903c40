// Python: requests.get(f'{server}/rest/services?f=json', auth=ArcGISServerTokenAuth(user, pw))
import {ArcGISServerTokenAuth, createSession} from 'got-arcgis-auth';
import {settings} from './env.js';

type Catalog = {folders?: string[]; services?: Array<{name: string; type: string}>};

const {serverUrl, username, password} = settings('ARCGIS_SERVER_URL');
const s = createSession({auth: new ArcGISServerTokenAuth(username, password)});
const root = await s.get(`${serverUrl}/rest/services?f=json`).json<Catalog>();
const services = [...(root.services ?? [])];
for (const folder of root.folders ?? []) {
	const inside = await s.get(`${serverUrl}/rest/services/${folder}?f=json`).json<Catalog>();
	services.push(...(inside.services ?? []));
}

for (const service of services) {
	console.log(`${service.name} (${service.type})`);
}
