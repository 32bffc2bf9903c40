// A token for another tool (a desktop app, a curl script), as JSON on standard output.
import {ArcGISPortalTokenAuth} from 'got-arcgis-auth';
import {settings} from './env.js';

const {portalUrl, username, password} = settings('ARCGIS_PORTAL_URL');
const auth = new ArcGISPortalTokenAuth(username, password, {expiration: 60});
const token = await auth.getToken(`${portalUrl}/sharing/rest`);
console.log(JSON.stringify({token, expires: auth.expires?.toISOString(), referer: 'got-arcgis-auth'}));
