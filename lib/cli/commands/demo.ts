import {PassThrough, Readable} from 'node:stream';
import got from 'got';
import {startEmulator} from '../../emulator/index.js';
import {personAtEmulator} from '../../emulator/person-at-browser.js';
import {ArcGISAppAuth} from '../../handlers/app-auth.js';
import {ArcGISPortalOAuthAuth} from '../../handlers/portal-oauth-auth.js';
import {ArcGISPortalTokenAuth} from '../../handlers/portal-token-auth.js';
import {ArcGISServerTokenAuth} from '../../handlers/server-token-auth.js';
import {createSession} from '../../session.js';
import {EXIT} from '../exit-codes.js';
import type {CliIo} from '../io.js';
import {requestCommand} from './request.js';

export const DEMO_HELP = `Usage: arcgis-auth demo

Starts the emulator, walks through the library's main uses against it and prints what happened.
`;

/** The code of a rejected request's error, for the printout. */
function rejectionCode(result: PromiseSettledResult<unknown> | undefined): string {
	return result?.status === 'rejected' ? String((result.reason as {code?: unknown}).code) : 'nothing';
}

/** The tour `npm start` runs: each usage style of the library, against a real local server. */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
	if (args.includes('--help') || args.includes('-h')) {
		io.stdout.write(DEMO_HELP);
		return EXIT.ok;
	}

	const say = (line: string) => io.stdout.write(`${line}\n`);
	const emu = await startEmulator({tokenLifetimeSeconds: 60, federatedServers: ['hosting', 'imagery', 'raster']});
	try {
		say(`ArcGIS emulator running at ${emu.url} (user demo / demo1234)\n`);

		const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
		const catalog = await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}).json<{services: Array<{name: string; type: string}>}>();
		say(`1. got(url, {hooks: auth.hooks}) listed ${catalog.services.length} services: ${catalog.services.map(service => `${service.name} (${service.type})`).join(', ')}`);
		say(`   token obtained once, expires ${auth.expires?.toISOString() ?? '?'}`);

		const client = got.extend({hooks: auth.hooks});
		const query = await client(`${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`, {searchParams: {where: '1=1', outFields: 'NAME', f: 'json'}}).json<{
			features: Array<{attributes: {NAME: string}}>;
		}>();
		say(`2. got.extend({hooks}) queried a layer (sent as POST, token in the body): ${query.features.map(feature => feature.attributes.NAME).join(', ')}`);

		emu.revokeAllTokens();
		await client(`${emu.serverUrl}/rest/services?f=json`).json();
		say(`3. the server revoked every token; the next request refreshed once and succeeded (${emu.stats.tokenCalls} token calls so far)`);

		const stop = await client.post(`${emu.serverUrl}/admin/services/SampleWorldCities.MapServer/stop`, {form: {f: 'json'}}).json<{status: string}>();
		await client.post(`${emu.serverUrl}/admin/services/SampleWorldCities.MapServer/start`, {form: {f: 'json'}});
		say(`4. admin API: stop → ${stop.status}, start again (admin token from /admin/generateToken)`);

		const session = createSession({auth: new ArcGISPortalTokenAuth('demo', 'demo1234')});
		const self = await session.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{name: string; user: {username: string; role: string}}>();
		say(`5. createSession with ArcGISPortalTokenAuth: portal "${self.name}", signed in as ${self.user.username} (${self.user.role})`);

		const before = emu.stats.tokenCalls;
		const servers = await Promise.all(emu.federatedServerUrls.map(async root => session.get(`${root}/rest/services?f=json`).json<{services: unknown[]}>()));
		say(
			`   the same session on ${servers.length} servers federated with the portal: ${servers.map(server => server.services.length).join(' + ')} services, ${emu.stats.tokenCalls - before} server tokens (one per server, from the portal)`,
		);

		const app = createSession({auth: new ArcGISAppAuth('demo-app', 'demo-app-secret-1', {portal: emu.portalUrl})});
		const appSelf = await app.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{appInfo?: {appId: string}}>();
		const hosted = await app.get(`${emu.federatedServerUrls[0]!}/rest/services?f=json`).json<{services: unknown[]}>();
		say(
			`   OAuth app credentials (ArcGISAppAuth, client_credentials): the portal knows the app as ${appSelf.appInfo?.appId ?? '?'}; a federated server lists ${hosted.services.length} services for it`,
		);

		// A person signing in: the demo plays the browser on the emulator's sign-in page and pastes the code.
		const user = await ArcGISPortalOAuthAuth.signIn('demo-app', {portal: emu.portalUrl, ...personAtEmulator()});
		const me = await got(`${emu.portalUrl}/sharing/rest/community/self?f=json`, {hooks: user.hooks}).json<{username: string}>();
		say(`   OAuth user sign-in (ArcGISPortalOAuthAuth.signIn: PKCE, the code pasted out of band): ${me.username}, refresh token until ${user.refreshTokenExpires?.toISOString() ?? '?'}`);
		await user.signOut();
		say(`   signOut() revoked it (arcgis-auth login / logout / status keep such a sign-in for the CLI)`);

		const wrong = new ArcGISServerTokenAuth('demo', 'not-the-password');
		const errors = await Promise.allSettled([1, 2, 3].map(async () => got(`${emu.serverUrl}/rest/services?f=json`, {hooks: wrong.hooks})));
		const attempts = emu.stats.failedLogins;
		say(`6. a wrong password: ${errors.filter(result => result.status === 'rejected').length} requests rejected with ${rejectionCode(errors[0])}, ${attempts} login attempt (no lockout risk)`);

		const url = `${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query?where=1%3D1&returnCountOnly=true&f=json`;
		const captured = new PassThrough();
		let printed = '';
		captured.on('data', chunk => {
			printed += String(chunk);
		});
		const stdin = Readable.from(['demo1234\n']) as unknown as NodeJS.ReadStream;
		const code = await requestCommand([url, '-u', 'demo', '--password-stdin'], {...io, stdout: captured, stdin, env: {}});
		say(`7. the CLI: arcgis-auth request '<layer>/query?returnCountOnly=true&f=json' -u demo --password-stdin → ${printed.trim()} (exit ${code})`);

		say(`\n${emu.stats.requests} requests served, ${emu.stats.tokenCalls} token calls.`);
		return EXIT.ok;
	} finally {
		await emu.close();
	}
}
