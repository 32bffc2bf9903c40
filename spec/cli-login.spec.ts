import assert from 'node:assert/strict';
import {chmodSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import got from 'got';
import {signInAtEmulator} from '../lib/emulator/person-at-browser.js';
import {configDir} from '../lib/cli/sign-ins/config-dir.js';
import type {Keychain, KeychainOutcome} from '../lib/cli/sign-ins/keychain.js';
import {CliSession, cli, cliProcess} from './helpers/cli-run.js';
import {useEmulator} from './helpers/emulator.js';
import {FakeSamlSite, SAML_PASSWORD, SAML_USER} from './helpers/fake-saml-site.js';
import {withoutNock} from './helpers/local-site.js';

type StoredFile = {version: number; signIns: Array<{portal: string; clientId: string; username?: string; secret: string; refreshToken?: string; refreshTokenExpires?: string}>};

/** An OS keychain in memory, as the CLI would meet a working one. */
function memoryKeychain(): {entries: Map<string, string>; open: () => Promise<KeychainOutcome>} {
	const entries = new Map<string, string>();
	const keychain: Keychain = {
		name: 'the test keychain',
		get: async account => Promise.resolve(entries.get(account)),
		set: async (account, secret) => Promise.resolve(void entries.set(account, secret)),
		delete: async account => Promise.resolve(void entries.delete(account)),
	};
	return {entries, open: async () => Promise.resolve({keychain})};
}

describe('arcgis-auth login, logout and status (OAuth sign-ins kept for token and request)', function () {
	this.timeout(20_000);
	withoutNock();
	const emu = useEmulator({federatedServers: ['hosting']}, {each: true});
	let home: string;
	let env: Record<string, string>;
	const signInsFile = () => join(home, 'got-arcgis-auth', 'sign-ins.json');
	const stored = () => JSON.parse(readFileSync(signInsFile(), 'utf8')) as StoredFile;

	beforeEach(() => {
		home = mkdtempSync(join(tmpdir(), 'arcgis-auth-login-'));
		env = {XDG_CONFIG_HOME: home};
	});
	afterEach(() => {
		rmSync(home, {recursive: true, force: true});
	});

	/** `login` out of band: the spec reads the printed address, signs in as the person would, and pastes the code. */
	async function loginOob(options: {keychain?: () => Promise<KeychainOutcome>; args?: string[]} = {}) {
		const session = new CliSession(['login', emu.portalUrl, '--client-id', 'demo-app', '--no-browser', ...(options.args ?? [])], {env, ...(options.keychain ? {keychain: options.keychain} : {})});
		const [, url] = await session.waitForStderr(/Open this address in a browser to sign in:\n\n {2}(\S+)\n/);
		const outcome = await signInAtEmulator(url!);
		assert.ok('code' in outcome, JSON.stringify(outcome));
		session.stdin.end(`${outcome.code}\n`);
		return {run: await session.done, url: new URL(url!)};
	}

	it('signs in out of band with PKCE and keeps the sign-in in a 0600 file of a 0700 folder, with no password or access token', async () => {
		const {run, url} = await loginOob();
		assert.equal(run.code, 0, run.stderr);
		assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
		assert.match(run.stdout, new RegExp(`^Signed in to ${emu.portalUrl} as demo until \\d{4}-.*Z\\.\\nThe sign-in is kept in ${signInsFile()}\\.\\n$`));
		assert.match(run.stderr, /@napi-rs\/keyring is not installed: the refresh token is kept in a file only you can read/);
		assert.equal(statSync(signInsFile()).mode & 0o777, 0o600);
		assert.equal(statSync(join(home, 'got-arcgis-auth')).mode & 0o777, 0o700);
		const text = readFileSync(signInsFile(), 'utf8');
		const [record] = stored().signIns;
		assert.equal(record?.portal, emu.portalUrl);
		assert.equal(record?.username, 'demo');
		assert.equal(record?.secret, 'file');
		assert.ok(record?.refreshToken && record.refreshToken.length > 20);
		assert.ok(!text.includes('demo1234'), 'no password');
		assert.ok(!run.stdout.includes(record.refreshToken) && !run.stderr.includes(record.refreshToken), 'the refresh token is never printed');
		assert.equal(emu.stats.counts['portal.oauth2.token.authorization_code'], 1);
	});

	it('token and request then use the kept sign-in for the portal and for a server federated with it, with no password', async () => {
		assert.equal((await loginOob()).run.code, 0);
		const token = await cli(['token', `${emu.portalUrl}/sharing/rest/portals/self`, '--json'], {env});
		assert.equal(token.code, 0, token.stderr);
		const printed = JSON.parse(token.stdout) as {token: string; client: string | null; referer?: string};
		assert.equal(printed.client, null, 'an OAuth access token is bound to nothing');
		assert.equal(printed.referer, undefined);
		assert.match((await cli(['token', `${emu.portalUrl}/sharing/rest/portals/self`], {env})).stdout, /\nbound: {3}nothing \(an OAuth access token: no Referer or address needed\)\n$/);
		// A federated server's token, made from it with generateToken, is bound as a password login's.
		const server = JSON.parse((await cli(['token', `${emu.federatedServerUrls[0]!}/rest/services`, '--json'], {env})).stdout) as {client: string; referer?: string};
		assert.deepEqual([server.client, server.referer], ['referer', 'got-arcgis-auth']);
		const self = await got(`${emu.portalUrl}/sharing/rest/portals/self`, {searchParams: {f: 'json', token: printed.token}}).json<{user?: {username: string}}>();
		assert.equal(self.user?.username, 'demo');
		// A federated server, found through its rest/info owningSystemUrl: a server token from the access token.
		const services = await cliProcess(['request', `${emu.federatedServerUrls[0]!}/rest/services?f=json`], {env});
		assert.equal(services.code, 0, services.stderr);
		assert.equal((JSON.parse(services.stdout) as {services?: unknown[]}).services?.length, 2);
		assert.equal(emu.stats.failedLogins, 0);
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], 4, 'one access token per command');
		// -v shows the steps, never the refresh token or the access token.
		const refreshToken = stored().signIns[0]!.refreshToken!;
		const verbose = await cli(['request', `${emu.portalUrl}/sharing/rest/community/self?f=json`, '-v'], {env});
		assert.equal(verbose.code, 0, verbose.stderr);
		assert.match(verbose.stderr, /oauth2\/token/);
		assert.ok(!verbose.stderr.includes(refreshToken) && !verbose.stdout.includes(refreshToken));
		// The emulator's tokens are 32 characters of base64url: none of this run's shows either.
		assert.doesNotMatch(verbose.stderr, /[\w-]{32}/);
	});

	it('signs in through a loopback redirect: the CLI listens on 127.0.0.1, receives the code, and closes the listener', async () => {
		const session = new CliSession(['login', emu.portalUrl, '--client-id', 'demo-app', '--redirect-uri', 'http://127.0.0.1/callback', '--no-browser'], {env});
		const [, url] = await session.waitForStderr(/Open this address in a browser to sign in:\n\n {2}(\S+)\n/);
		const redirect = new URL(new URL(url!).searchParams.get('redirect_uri')!);
		assert.equal(redirect.hostname, '127.0.0.1');
		assert.notEqual(redirect.port, '', 'a port of its own was chosen');
		const outcome = await signInAtEmulator(url!);
		assert.ok('location' in outcome && outcome.location, JSON.stringify(outcome));
		const page = await got(outcome.location);
		assert.match(page.body, /signed in/i);
		const run = await session.done;
		assert.equal(run.code, 0, run.stderr);
		await assert.rejects(got(outcome.location, {retry: {limit: 0}}), {code: 'ECONNREFUSED'});
		assert.equal((await cli(['token', `${emu.portalUrl}/sharing/rest/community/self`], {env})).code, 0);
	});

	it('a kept sign-in the portal refuses exits 3, says to log in again, and prints no token', async () => {
		assert.equal((await loginOob()).run.code, 0);
		const refreshToken = stored().signIns[0]!.refreshToken!;
		await got.post(`${emu.portalUrl}/sharing/rest/oauth2/revokeToken`, {form: {f: 'json', client_id: 'demo-app', auth_token: refreshToken}});
		const run = await cli(['token', `${emu.portalUrl}/sharing/rest/portals/self`], {env});
		assert.equal(run.code, 3, run.stderr);
		assert.match(run.stderr, /SIGN_IN_REQUIRED/);
		assert.ok(run.stderr.includes(`Sign in again: arcgis-auth login ${emu.portalUrl} --client-id demo-app\n`), run.stderr);
		assert.ok(!run.stderr.includes(refreshToken));
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], 1, 'one attempt');
		assert.equal((await cli(['token', `${emu.portalUrl}/sharing/rest/portals/self`, '--auth', 'oauth'], {env})).code, 3);
	});

	it('stores each renewed refresh token (exchange_refresh_token before it expires) in place of the old one', async () => {
		emu.setOptions({oauthRefreshTokenSeconds: 3600});
		assert.equal((await loginOob()).run.code, 0);
		const before = stored().signIns[0]!;
		const run = await cli(['token', `${emu.portalUrl}/sharing/rest/portals/self`], {env});
		assert.equal(run.code, 0, run.stderr);
		const after = stored().signIns[0]!;
		assert.equal(emu.stats.counts['portal.oauth2.token.exchange_refresh_token'], 1);
		assert.notEqual(after.refreshToken, before.refreshToken);
		assert.ok(Date.parse(after.refreshTokenExpires!) >= Date.parse(before.refreshTokenExpires!));
		assert.equal(statSync(signInsFile()).mode & 0o777, 0o600);
		assert.equal((await cli(['token', `${emu.portalUrl}/sharing/rest/portals/self`], {env})).code, 0, 'the renewed token works');
	});

	it('status lists the sign-ins without a secret; logout revokes at the portal and forgets', async () => {
		assert.equal((await loginOob()).run.code, 0);
		const refreshToken = stored().signIns[0]!.refreshToken!;
		const status = await cli(['status'], {env});
		assert.equal(status.code, 0);
		assert.match(status.stdout, new RegExp(`^${emu.portalUrl}\\n {2}user: {4}demo\\n {2}app: {5}demo-app\\n {2}sign-in: expires \\d{4}-.*Z\\n {2}kept in: ${signInsFile()}\\n$`));
		const json = JSON.parse((await cli(['status', '--json'], {env})).stdout) as {signIns: Array<Record<string, unknown>>};
		assert.deepEqual(Object.keys(json.signIns[0]!).sort(), ['clientId', 'expired', 'expires', 'keptIn', 'portal', 'username']);
		assert.ok(!status.stdout.includes(refreshToken));

		const logout = await cli(['logout', emu.portalUrl], {env});
		assert.equal(logout.code, 0, logout.stderr);
		assert.match(logout.stdout, /Signed out of .* \(demo\): the portal revoked the sign-in, and it is forgotten here\./);
		assert.equal(emu.stats.counts['portal.oauth2.revokeToken'], 1);
		assert.deepEqual(stored().signIns, []);
		assert.match((await cli(['status'], {env})).stdout, /^Not signed in to any portal/);
		// The revoked refresh token is dead at the portal too.
		const refused = await got
			.post(`${emu.portalUrl}/sharing/rest/oauth2/token`, {form: {f: 'json', client_id: 'demo-app', grant_type: 'refresh_token', refresh_token: refreshToken}})
			.json<{error?: unknown}>();
		assert.ok(refused.error);
		assert.match((await cli(['logout', emu.portalUrl], {env})).stdout, /^Not signed in to/);
	});

	it('logout forgets the sign-in even when the portal cannot be reached, and exits 4 saying it was not revoked', async () => {
		assert.equal((await loginOob()).run.code, 0);
		const portal = emu.portalUrl;
		await emu.close();
		const logout = await cli(['logout', portal], {env});
		assert.equal(logout.code, 4, logout.stderr);
		assert.match(logout.stderr, /forgotten here, but the portal could not revoke it/);
		assert.deepEqual(stored().signIns, []);
	});

	it('keeps the refresh token in the OS keychain when one works: the file then holds none', async () => {
		const keychain = memoryKeychain();
		const {run} = await loginOob({keychain: keychain.open});
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, /The sign-in is kept in the test keychain\./);
		assert.equal(run.stderr.includes('file only you can read'), false);
		const [record] = stored().signIns;
		assert.equal(record?.secret, 'keychain');
		assert.equal(record?.refreshToken, undefined);
		assert.deepEqual([...keychain.entries.keys()], [`demo-app@${emu.portalUrl}`]);
		const token = await cli(['token', `${emu.portalUrl}/sharing/rest/portals/self`], {env, keychain: keychain.open});
		assert.equal(token.code, 0, token.stderr);
		assert.match((await cli(['status'], {env})).stdout, /kept in: the OS keychain/);
		assert.equal((await cli(['logout', emu.portalUrl], {env, keychain: keychain.open})).code, 0);
		assert.equal(keychain.entries.size, 0);
	});

	it('falls back to the file when the keychain cannot be used, and says why', async () => {
		const {run} = await loginOob({keychain: async () => Promise.resolve({unavailable: "the OS keychain could not be used (Couldn't access platform storage: AccessDenied)"})});
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stderr, /AccessDenied\): the refresh token is kept in a file only you can read/);
		assert.equal(stored().signIns[0]?.secret, 'file');
	});

	it('narrows a sign-ins file someone made readable by others, and says so', async () => {
		assert.equal((await loginOob()).run.code, 0);
		chmodSync(signInsFile(), 0o644);
		const status = await cli(['status'], {env});
		assert.equal(status.code, 0);
		assert.match(status.stderr, /was readable by others \(mode 644\); it is now 0600/);
		assert.equal(statSync(signInsFile()).mode & 0o777, 0o600);
	});

	it('usage errors exit 2: no client id, not a portal URL, a bad --expiration, a redirect that is not loopback, --auth oauth with no sign-in', async () => {
		const cases: Array<[string[], RegExp]> = [
			[['login', emu.portalUrl], /login needs --client-id/],
			[['login', 'not a url', '--client-id', 'demo-app'], /option portal must be the portal's URL/],
			[['login', emu.portalUrl, '--client-id', 'demo-app', '--expiration', 'soon'], /--expiration must be a whole number of minutes/],
			[['login', emu.portalUrl, '--client-id', 'demo-app', '--redirect-uri', 'https://example.com/cb'], /^arcgis-auth: --redirect-uri must be /],
			[['logout'], /logout takes exactly one portal URL/],
			[['token', `${emu.portalUrl}/sharing/rest/portals/self`, '--auth', 'oauth'], /no kept sign-in serves/],
		];
		for (const [args, message] of cases) {
			const run = await cli(args, {env});
			assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
			assert.match(run.stderr, message);
		}
	});

	it('a damaged sign-ins file is a usage error that names the file and never prints its content', async () => {
		assert.equal((await loginOob()).run.code, 0);
		const refreshToken = stored().signIns[0]!.refreshToken!;
		const {writeFileSync} = await import('node:fs');
		writeFileSync(signInsFile(), `{"broken": "${refreshToken}"`);
		const run = await cli(['status'], {env});
		assert.equal(run.code, 2);
		assert.ok(run.stderr.includes(`${signInsFile()} is not a sign-ins file this version can read`), run.stderr);
		assert.ok(!run.stderr.includes(refreshToken));
	});
});

describe('where the CLI keeps sign-ins', () => {
	it('is $XDG_CONFIG_HOME/got-arcgis-auth when set, else the platform’s usual place', () => {
		assert.equal(configDir({XDG_CONFIG_HOME: '/x/config', HOME: '/home/u'}, 'linux'), '/x/config/got-arcgis-auth');
		assert.equal(configDir({XDG_CONFIG_HOME: ' ', HOME: '/home/u'}, 'linux'), '/home/u/.config/got-arcgis-auth');
		assert.equal(configDir({HOME: '/home/u'}, 'linux'), '/home/u/.config/got-arcgis-auth');
		assert.equal(configDir({HOME: '/Users/u'}, 'darwin'), '/Users/u/Library/Application Support/got-arcgis-auth');
		assert.equal(configDir({HOME: '/c/u', APPDATA: '/c/u/AppData/Roaming'}, 'win32'), join('/c/u/AppData/Roaming', 'got-arcgis-auth'));
	});
});

describe('arcgis-auth login --saml (an enterprise login with no browser)', function () {
	this.timeout(20_000);
	withoutNock();
	let site: FakeSamlSite;
	let home: string;
	let env: Record<string, string>;
	beforeEach(async () => {
		site = await new FakeSamlSite().start();
		home = mkdtempSync(join(tmpdir(), 'arcgis-auth-saml-'));
		env = {XDG_CONFIG_HOME: home};
	});
	afterEach(async () => {
		await site.stop();
		rmSync(home, {recursive: true, force: true});
	});
	const stored = () => JSON.parse(readFileSync(join(home, 'got-arcgis-auth', 'sign-ins.json'), 'utf8')) as StoredFile & {signIns: Array<{relogin?: string}>};

	it('logs in through the identity provider’s form with -u and --password-stdin, keeps no password, and token then works', async () => {
		const run = await cli(['login', site.portalUrl, '--client-id', 'saml-app', '--saml', '-u', SAML_USER, '--password-stdin'], {env, stdin: `${SAML_PASSWORD}\n`});
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, new RegExp(`^Signed in to ${site.portalUrl} as ${SAML_USER} until `));
		const text = readFileSync(join(home, 'got-arcgis-auth', 'sign-ins.json'), 'utf8');
		assert.ok(!text.includes(SAML_PASSWORD));
		assert.equal(stored().signIns[0]?.relogin, undefined, 'a password login cannot be made again without the person');
		assert.equal(site.counts.formPosts, 1);
		const token = await cli(['token', `${site.portalUrl}/sharing/rest/community/self`], {env});
		assert.equal(token.code, 0, token.stderr);
		assert.equal(site.counts.refreshes, 1, 'the kept refresh token, no new login');
		assert.equal(site.counts.formPosts, 1);
	});

	it('a refused enterprise login exits 3 with SAML_LOGIN_FAILED and stores nothing', async () => {
		const run = await cli(['login', site.portalUrl, '--client-id', 'saml-app', '--saml', '-u', SAML_USER, '--password-stdin'], {env, stdin: 'wrong\n'});
		assert.equal(run.code, 3, run.stderr);
		assert.match(run.stderr, /SAML_LOGIN_FAILED: .*refused the username or password/);
		assert.ok(!run.stderr.includes('wrong\n'));
		assert.throws(() => stored(), /ENOENT/);
	});

	it('-u and --password-stdin without --saml are a usage error: an OAuth sign-in takes the password in the browser', async () => {
		const run = await cli(['login', site.portalUrl, '--client-id', 'saml-app', '-u', SAML_USER], {env});
		assert.equal(run.code, 2);
		assert.match(run.stderr, /go with --saml/);
	});
});
