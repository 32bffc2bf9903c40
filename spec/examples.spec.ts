import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import got from 'got';
import {personAtEmulator} from '../lib/emulator/person-at-browser.js';
import {ArcGISPortalOAuthAuth} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {FakeSamlSite, SAML_PASSWORD, SAML_USER} from './helpers/fake-saml-site.js';
import {withoutNock} from './helpers/local-site.js';
import {redisUrl, requireRedis, uniquePrefix} from './helpers/redis.js';

const run = promisify(execFile);

// The examples are what users copy: each runs, as a user would run it, against the emulator.
describe('examples/ against the emulator', function () {
	this.timeout(20_000);
	withoutNock();
	const emu = useEmulator({federatedServers: ['hosting', 'imagery']});
	const example = async (name: string, extra: Record<string, string> = {}) => {
		const {stdout} = await run(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(`../examples/${name}`, import.meta.url))], {
			env: {PATH: process.env.PATH ?? '', ARCGIS_SERVER_URL: emu.serverUrl, ARCGIS_PORTAL_URL: emu.portalUrl, ARCGIS_USERNAME: 'demo', ARCGIS_PASSWORD: 'demo1234', ...extra},
		});
		return stdout;
	};

	const failing = async (name: string, extra: Record<string, string> = {}) =>
		example(name, extra).then(
			stdout => ({code: 0, stdout, stderr: ''}),
			(error: {code: number; stdout: string; stderr: string}) => ({code: error.code, stdout: error.stdout, stderr: error.stderr}),
		);

	it('list-services.ts lists every service once, folders included', async () => {
		assert.equal(await example('list-services.ts'), 'SampleWorldCities (MapServer)\nGeometry (GeometryServer)\nHosted/Parcels (FeatureServer)\n');
	});

	it('query-layer.ts prints three features', async () => {
		const lines = (await example('query-layer.ts')).trim().split('\n');
		assert.equal(lines.length, 3);
		assert.deepEqual(JSON.parse(lines[0]!), {OBJECTID: 1, NAME: 'Zürich'});
	});

	it('portal-users.ts creates a user and promotes it', async () => {
		assert.equal(await example('portal-users.ts', {NEW_USER: 'jdoe'}), 'invited jdoe\njdoe is now org_publisher\n');
	});

	it('portal-users.ts run a second time says the user exists and exits 4 (not "invited: false" and 0)', async () => {
		await example('portal-users.ts', {NEW_USER: 'twice'});
		const again = await failing('portal-users.ts', {NEW_USER: 'twice'});
		assert.equal(again.code, 4);
		assert.equal(again.stdout, '');
		assert.equal(again.stderr, 'could not invite twice: {"success":false,"notInvited":["twice"]} (does the user exist already? set NEW_USER)\n');
	});

	it('says in one line what is missing or wrong: an unset or bad URL (exit 2), a wrong password (exit 3), an unreachable site (exit 4)', async () => {
		const unset = await failing('list-services.ts', {ARCGIS_SERVER_URL: ''});
		assert.deepEqual([unset.code, unset.stderr], [2, 'Set ARCGIS_SERVER_URL (see examples/README.md).\n']);
		const bad = await failing('query-layer.ts', {ARCGIS_SERVER_URL: 'gis.example.com/arcgis'});
		assert.deepEqual([bad.code, bad.stderr], [2, 'ARCGIS_SERVER_URL must be an http:// or https:// URL such as https://gis.example.com/arcgis, got "gis.example.com/arcgis".\n']);
		const wrong = await failing('list-services.ts', {ARCGIS_PASSWORD: 'not-it'});
		assert.equal(wrong.code, 3);
		assert.match(wrong.stderr, /^INVALID_CREDENTIALS: ArcGISServerTokenAuth: [^\n]*\n$/);
		const away = await failing('export-token.ts', {ARCGIS_PORTAL_URL: 'http://127.0.0.1:1/portal'});
		assert.equal(away.code, 4);
		assert.match(away.stderr, /^NETWORK_ERROR: [^\n]*ECONNREFUSED[^\n]*\n$/);
	});

	it('stop-start-service.ts stops and starts a service', async () => {
		assert.equal(await example('stop-start-service.ts'), 'stop: success, now STOPPED\nstart: success, now STARTED\n');
	});

	it('federated-servers.ts reaches every federated server with one portal login', async () => {
		emu.resetStats();
		assert.equal(await example('federated-servers.ts'), `${emu.url}/hosting (HOSTING_SERVER): 2 services\n${emu.url}/imagery (FEDERATED_SERVER): 2 services\n`);
		assert.equal(emu.stats.counts['portal.generateToken'], 1);
		assert.equal(emu.stats.counts['portal.exchangeToken'], 2);
	});

	it('signed-in-user.ts runs as a person who signed in once, stores the renewed refresh token, and says when the sign-in has ended', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'example-oauth-'));
		try {
			// A refresh token with an hour left: the example's first run renews it.
			emu.setOptions({oauthRefreshTokenSeconds: 3600});
			const first = await ArcGISPortalOAuthAuth.signIn('demo-app', {portal: emu.portalUrl, ...personAtEmulator()});
			const file = join(dir, 'refresh-token');
			writeFileSync(file, JSON.stringify({refreshToken: first.refreshToken, expires: first.refreshTokenExpires?.toISOString()}), {mode: 0o600});
			const env = {ARCGIS_CLIENT_ID: 'demo-app', ARCGIS_REFRESH_TOKEN_FILE: file};
			assert.equal(await example('signed-in-user.ts', env), `signed in as demo (org_admin)\n${emu.url}/hosting: 2 services\n${emu.url}/imagery: 2 services\n`);
			const renewed = (JSON.parse(readFileSync(file, 'utf8')) as {refreshToken: string}).refreshToken;
			assert.notEqual(renewed, first.refreshToken, 'the renewed refresh token was written back');
			assert.equal(statSync(file).mode & 0o777, 0o600);
			await got.post(`${emu.portalUrl}/sharing/rest/oauth2/revokeToken`, {form: {f: 'json', client_id: 'demo-app', auth_token: renewed}});
			await assert.rejects(example('signed-in-user.ts', env), (error: {code?: number; stderr?: string}) => error.code === 3 && /The sign-in has ended/.test(error.stderr ?? ''));
		} finally {
			emu.setOptions({oauthRefreshTokenSeconds: 129_600 * 60});
			rmSync(dir, {recursive: true, force: true});
		}
	});

	it('enterprise-login.ts signs in through the identity provider’s login form, and exits 3 with the step when it is refused', async () => {
		const site = await new FakeSamlSite().start();
		try {
			const env = {ARCGIS_PORTAL_URL: site.portalUrl, ARCGIS_CLIENT_ID: 'saml-app', ARCGIS_USERNAME: SAML_USER, ARCGIS_PASSWORD: SAML_PASSWORD};
			assert.equal(await example('enterprise-login.ts', env), `signed in as ${SAML_USER} through the organisation's identity provider\n`);
			await assert.rejects(
				example('enterprise-login.ts', {...env, ARCGIS_PASSWORD: 'wrong'}),
				(error: {code?: number; stderr?: string}) => error.code === 3 && /showed its login form again/.test(error.stderr ?? ''),
			);
			assert.equal(site.counts.formPosts, 2, 'one attempt each run');
		} finally {
			await site.stop();
		}
	});

	it('fleet-cluster.ts: four cluster workers log in once through Redis', async function () {
		// Five processes start TypeScript on a machine that may have two cores.
		this.timeout(60_000);
		requireRedis(this);
		emu.resetStats();
		const output = await example('fleet-cluster.ts', {ARCGIS_REDIS_URL: redisUrl!, ARCGIS_STORE_KEY: 'examples-spec-key-0123456789abcdef', ARCGIS_REDIS_PREFIX: uniquePrefix('example')});
		assert.equal(output, '4 workers, 12 requests served\n');
		assert.equal(emu.stats.counts['server.generateToken'], 1);
	});

	it('export-token.ts prints a token that the site accepts', async () => {
		const exported = JSON.parse(await example('export-token.ts')) as {token: string; expires: string; referer: string};
		assert.ok(Date.parse(exported.expires) > Date.now());
		const response = await fetch(`${emu.portalUrl}/sharing/rest/portals/self?f=json&token=${exported.token}`, {headers: {referer: exported.referer}});
		assert.equal(((await response.json()) as {user?: {username: string}}).user?.username, 'demo');
	});
});
