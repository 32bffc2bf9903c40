// Create a built-in user through the portal admin API, then promote it.
import {ArcGISPortalTokenAuth, createSession} from 'got-arcgis-auth';
import {fail, settings} from './env.js';

const {portalUrl, username, password} = settings('ARCGIS_PORTAL_URL');
const s = createSession({auth: new ArcGISPortalTokenAuth(username, password)});
const rest = `${portalUrl}/sharing/rest`;
const newUser = process.env.NEW_USER ?? 'jdoe';
const invitationList = JSON.stringify({invitations: [{username: newUser, password: process.env.NEW_USER_PASSWORD ?? 'Initial-Pa55word', fullname: 'Jane Doe', role: 'org_user'}]});
const invited = await s.post(`${rest}/portals/self/invite`, {form: {invitationList, f: 'json'}}).json<{success?: boolean; notInvited?: string[]}>();
if (!invited.success) {
	// The portal answers HTTP 200 with success: false (a user of that name exists already, for one).
	fail(`could not invite ${newUser}: ${JSON.stringify(invited)} (does the user exist already? set NEW_USER)`);
}

console.log(`invited ${newUser}`);
const promoted = await s.post(`${rest}/portals/self/updateUserRole`, {form: {user: newUser, role: 'org_publisher', f: 'json'}}).json<{success?: boolean}>();
if (!promoted.success) {
	fail(`could not promote ${newUser}: ${JSON.stringify(promoted)}`);
}

const user = await s.get(`${rest}/community/users/${newUser}?f=json`).json<{role: string}>();
console.log(`${newUser} is now ${user.role}`);
