// Python: gis = GIS(portal, client_id=app_id)  (then the session's refresh token, kept between runs)
// A scheduled script that runs as a person who signed in once: their OAuth refresh token is kept in
// a file only they can read, and every renewed one is written back, so the script never needs a
// password. The first run signs in at the terminal (paste the code the portal shows).
import {readFileSync, writeFileSync} from 'node:fs';
import {ArcGISPortalOAuthAuth, TokenAuthenticationError, createSession} from 'got-arcgis-auth';

const portal = process.env.ARCGIS_PORTAL_URL;
const clientId = process.env.ARCGIS_CLIENT_ID;
const file = process.env.ARCGIS_REFRESH_TOKEN_FILE;
if (!portal || !clientId || !file) {
	console.error('Set ARCGIS_PORTAL_URL, ARCGIS_CLIENT_ID (an app registered in the portal) and ARCGIS_REFRESH_TOKEN_FILE.');
	process.exit(2);
}

// The expiry goes with the token: knowing it, the handler renews the refresh token a day before it ends.
type Kept = {refreshToken: string; expires?: string};
const save = (refreshToken: string, expires: Date | undefined) => writeFileSync(file, JSON.stringify({refreshToken, expires: expires?.toISOString()}), {mode: 0o600});
let kept: Kept | undefined;
try {
	kept = JSON.parse(readFileSync(file, 'utf8')) as Kept;
} catch {
	kept = undefined;
}

const auth = kept
	? new ArcGISPortalOAuthAuth(clientId, {portal, refreshToken: kept.refreshToken, ...(kept.expires ? {refreshTokenExpires: new Date(kept.expires)} : {}), onRefreshToken: save})
	: await ArcGISPortalOAuthAuth.signIn(clientId, {portal, onRefreshToken: save});
const s = createSession({auth});
try {
	const me = await s.get(`${portal}/sharing/rest/community/self?f=json`).json<{username: string; role?: string}>();
	console.log(`signed in as ${me.username} (${me.role ?? 'no role'})`);
	const {servers = []} = await s.get(`${portal}/sharing/rest/portals/self/servers?f=json`).json<{servers?: Array<{url: string}>}>();
	for (const server of servers) {
		const catalog = await s.get(`${server.url}/rest/services?f=json`).json<{services?: unknown[]}>();
		console.log(`${server.url}: ${catalog.services?.length ?? 0} services`);
	}
} catch (error) {
	if (error instanceof TokenAuthenticationError && error.code === 'SIGN_IN_REQUIRED') {
		// The person signed out, or the sign-in expired: only they can sign in again.
		console.error(`The sign-in has ended: delete ${file} and run this script at a terminal to sign in again.`);
		process.exit(3);
	}

	throw error;
}
