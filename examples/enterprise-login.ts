// Python (requests-arcgis-auth): auth = ArcGISPortalSAMLAuth(client_id); requests.get(url, auth=auth)
// A nightly script for an organisation that signs its people in through its own identity provider
// (AD FS and the like), with no browser: the Kerberos ticket of the machine's user by default, or
// ARCGIS_USERNAME / ARCGIS_PASSWORD for NTLM or the identity provider's login form.
import {ArcGISPortalSAMLAuth, TokenAuthenticationError, createSession} from 'got-arcgis-auth';

const portal = process.env.ARCGIS_PORTAL_URL;
const clientId = process.env.ARCGIS_CLIENT_ID;
if (!portal || !clientId) {
	console.error('Set ARCGIS_PORTAL_URL and ARCGIS_CLIENT_ID (an app registered in the portal); ARCGIS_USERNAME and ARCGIS_PASSWORD for a login form or NTLM.');
	process.exit(2);
}

const {ARCGIS_USERNAME: username, ARCGIS_PASSWORD: password} = process.env;
const auth = new ArcGISPortalSAMLAuth(clientId, {portal, ...(username && password ? {username, password} : {})});
try {
	const me = await createSession({auth}).get(`${portal}/sharing/rest/community/self?f=json`).json<{username: string}>();
	console.log(`signed in as ${me.username} through the organisation's identity provider`);
} catch (error) {
	if (error instanceof TokenAuthenticationError && error.code === 'SAML_LOGIN_FAILED') {
		// The message says which step and which host; it is not retried (identity providers lock accounts).
		console.error(error.message);
		process.exit(3);
	}

	throw error;
}
