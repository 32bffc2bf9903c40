// Query a feature layer: the GET is sent as a POST with the query in the body, the token beside it.
import got from 'got';
import {ArcGISServerTokenAuth} from 'got-arcgis-auth';
import {settings} from './env.js';

type Features = {features: Array<{attributes: Record<string, unknown>}>};

const {serverUrl, username, password} = settings('ARCGIS_SERVER_URL');
const client = got.extend({hooks: new ArcGISServerTokenAuth(username, password).hooks});
const result = await client(`${serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`, {
	searchParams: {where: '1=1', outFields: '*', resultRecordCount: 3, f: 'json'},
}).json<Features>();
for (const feature of result.features) {
	console.log(JSON.stringify(feature.attributes));
}
