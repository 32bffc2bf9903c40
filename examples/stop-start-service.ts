// Stop and start a service through the ArcGIS Server Administrator API. The handler gets its
// token from {root}/admin/generateToken and puts it in the POST body, where 11.x wants it.
import {ArcGISServerTokenAuth, createSession} from 'got-arcgis-auth';
import {fail, settings} from './env.js';

const {serverUrl, username, password} = settings('ARCGIS_SERVER_URL');
const s = createSession({auth: new ArcGISServerTokenAuth(username, password)});
const service = `${serverUrl}/admin/services/${process.env.SERVICE ?? 'SampleWorldCities.MapServer'}`;
for (const operation of ['stop', 'start']) {
	const answer = await s.post(`${service}/${operation}`, {form: {f: 'json'}}).json<{status: string}>();
	if (answer.status !== 'success') {
		// The Administrator API answers HTTP 200 with status: "error" and its messages.
		fail(`${operation} failed: ${JSON.stringify(answer)}`);
	}

	const state = await s.post(`${service}/status`, {form: {f: 'json'}}).json<{realTimeState: string}>();
	console.log(`${operation}: ${answer.status}, now ${state.realTimeState}`);
}
