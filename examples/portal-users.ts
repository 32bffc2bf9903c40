// Create a built-in user through the portal admin API, then promote it.
import {ArcGISPortalTokenAuth, createSession} from 'got-arcgis-auth';
import {settings} from './env.js';

const {portalUrl, username, password} = settings();
const s = createSession({auth: new ArcGISPortalTokenAuth(username, password)});
const rest = `${portalUrl}/sharing/rest`;
const newUser = process.env.NEW_USER ?? 'jdoe';
const invitationList = JSON.stringify({invitations: [{username: newUser, password: process.env.NEW_USER_PASSWORD ?? 'Initial-Pa55word', fullname: 'Jane Doe', role: 'org_user'}]});
const invited = await s.post(`${rest}/portals/self/invite`, {form: {invitationList, f: 'json'}}).json<{success: boolean}>();
console.log(`invited ${newUser}: ${invited.success}`);
await s.post(`${rest}/portals/self/updateUserRole`, {form: {user: newUser, role: 'org_publisher', f: 'json'}}).json();
const user = await s.get(`${rest}/community/users/${newUser}?f=json`).json<{role: string}>();
console.log(`${newUser} is now ${user.role}`);
