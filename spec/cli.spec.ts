import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import type {CliIo} from '../lib/cli/io.js';
import {main} from '../lib/cli/main.js';
import {CLI_BIN, cli, cliProcess} from './helpers/cli-run.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

describe('the arcgis-auth CLI', function () {
	this.timeout(20_000);
	withoutNock();
	const emu = useEmulator();

	it('prints a token, its expiry and ssl, with the password from --password-stdin', async () => {
		const run = await cliProcess(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo', '--password-stdin'], {stdin: 'demo1234\n'});
		assert.equal(run.code, 0, run.stderr);
		assert.match(run.stdout, /^token: {3}\S+\nexpires: \d{4}-\d\d-\d\dT.*Z\nssl: {5}false\nbound: {3}client=referer, Referer: got-arcgis-auth \(send that header with the token\)\n$/);
	});

	it('prints JSON with --json, the password from ARCGIS_PASSWORD and the user from ARCGIS_USERNAME', async () => {
		const run = await cli(['token', `${emu.portalUrl}/sharing/rest/portals/self`, '--json', '--auth', 'portal-token'], {env: {ARCGIS_USERNAME: 'demo', ARCGIS_PASSWORD: 'demo1234'}});
		assert.equal(run.code, 0, run.stderr);
		const parsed = JSON.parse(run.stdout) as {token: string; expires: string; ssl: boolean};
		assert.ok(parsed.token.length > 10);
		assert.ok(Date.parse(parsed.expires) > Date.now());
		assert.equal(parsed.ssl, false);
	});

	it('makes authenticated requests: -X, repeated -d, -H', async () => {
		emu.resetStats();
		const env = {ARCGIS_PASSWORD: 'demo1234'};
		const query = await cliProcess(['request', `${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query?where=1%3D1&returnCountOnly=true&f=json`, '-u', 'demo'], {env});
		assert.equal(query.code, 0, query.stderr);
		assert.deepEqual(JSON.parse(query.stdout), {count: 5});
		const stop = await cli(['request', `${emu.serverUrl}/admin/services/SampleWorldCities.MapServer/stop`, '-u', 'demo', '-X', 'POST', '-d', 'f=json', '-d', 'note=a=b', '-H', 'X-Script: nightly'], {
			env,
		});
		assert.deepEqual(JSON.parse(stop.stdout), {status: 'success'});
		assert.equal(emu.stats.log.at(-1)?.tokenIn, 'body');
	});

	it('exits 3 when authentication fails, without the password in the message', async () => {
		const run = await cliProcess(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo', '--password-stdin'], {stdin: 'Wr0ng-Pass\n'});
		assert.equal(run.code, 3);
		assert.match(run.stderr, /INVALID_CREDENTIALS/);
		assert.ok(!run.stderr.includes('Wr0ng-Pass'));
	});

	it('exits 4 on an HTTP error or an ArcGIS error body, printing the body', async () => {
		const missing = await cli(['request', `${emu.url}/nope`, '--auth', 'none']);
		assert.equal(missing.code, 4);
		const denied = await cli(['request', `${emu.serverUrl}/rest/services?f=json`, '--auth', 'none']);
		assert.equal(denied.code, 4);
		assert.match(denied.stdout, /"code":499/);
	});

	it('exits 2 on usage errors, and will not prompt without a terminal', async () => {
		for (const args of [
			[],
			['bogus'],
			['token'],
			['token', 'not a url'],
			['token', 'http://x', '--bogus'],
			['request', 'http://x', '--auth', 'kerberos'],
			['request', 'http://x', '-d', 'novalue', '--auth', 'none'],
		]) {
			const run = await cli(args);
			assert.equal(run.code, 2, args.join(' '));
		}

		const noTerminal = await cli(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo']);
		assert.equal(noTerminal.code, 2);
		assert.match(noTerminal.stderr, /--password-stdin or ARCGIS_PASSWORD/);
	});

	it('has --help for every command', async () => {
		for (const command of ['token', 'request', 'emulator', 'demo']) {
			const run = await cli([command, '--help']);
			assert.equal(run.code, 0);
			assert.match(run.stdout, new RegExp(`Usage: arcgis-auth ${command}`));
		}

		assert.match((await cli(['--help'])).stdout, /Exit codes: 0 ok, 2 usage, 3 authentication failed, 4 HTTP or ArcGIS error/);
	});

	it('shows the steps with -v, and never the password or the token', async () => {
		emu.resetStats();
		const run = await cli(['request', `${emu.serverUrl}/rest/services?f=json`, '-u', 'demo', '-v'], {env: {ARCGIS_PASSWORD: 'demo1234'}});
		assert.equal(run.code, 0);
		assert.match(run.stderr, /\* ArcGISServerAuth: probing/);
		assert.match(run.stderr, /token 1 placed in body/);
		assert.match(run.stderr, /> POST http:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/services\n< 200/);
		assert.ok(!run.stderr.includes('demo1234'));
		for (const line of run.stderr.split('\n')) {
			assert.ok(!/token=[^R&\s]/.test(line), line);
		}
	});

	it('runs the emulator from the command line until SIGTERM (the installed binary)', async function () {
		this.timeout(20_000);
		const child = spawn(process.execPath, ['--import', 'tsx', CLI_BIN, 'emulator', '--port', '0', '--token-lifetime', '60'], {stdio: ['ignore', 'pipe', 'pipe']});
		let out = '';
		child.stdout.on('data', chunk => {
			out += String(chunk);
		});
		await new Promise<void>((resolve, reject) => {
			child.stdout.on('data', () => {
				if (out.includes('Ctrl-C to stop.')) {
					resolve();
				}
			});
			child.once('exit', () => reject(new Error(`exited early: ${out}`)));
		});
		const url = /ArcGIS emulator on (\S+)/.exec(out)?.[1];
		assert.ok(url);
		assert.match(out, /oauth: {2}\S+\/portal\/sharing\/rest\/oauth2\/token \(grant_type=client_credentials\)/);
		assert.match(out, /oauth apps: demo-app \(client_secret demo-app-secret-1; redirect URIs urn:ietf:wg:oauth:2\.0:oob, /);
		const run = await cli(['token', `${url}/arcgis/rest/services`, '-u', 'demo', '--json'], {env: {ARCGIS_PASSWORD: 'demo1234'}});
		assert.equal(run.code, 0);
		child.kill('SIGTERM');
		const code = await new Promise(resolve => child.once('exit', resolve));
		assert.equal(code, 0);
		assert.match(out, /stopped after \d+ requests \(1 token calls\)/);
	});

	it('runs a --web-tier emulator that says how it checks logins, and serves NTLM with the right password only', async function () {
		this.timeout(30_000);
		const child = spawn(process.execPath, ['--import', 'tsx', CLI_BIN, 'emulator', '--port', '0', '--web-tier', '--user', 'alice:alice-secret-1'], {stdio: ['ignore', 'pipe', 'pipe']});
		let out = '';
		try {
			await new Promise<void>((resolve, reject) => {
				child.stdout.on('data', chunk => {
					out += String(chunk);
					if (out.includes('Ctrl-C to stop.')) {
						resolve();
					}
				});
				child.once('exit', () => reject(new Error(`exited early: ${out}`)));
			});
			assert.match(out, /\n {2}users: {2}alice\n {2}web tier: NTLM \(as NAME or DOMAIN\\NAME, any domain\), checked against those passwords; Kerberos refused\n/);
			assert.ok(!out.includes('alice-secret-1'), 'a password the user gave is not printed');
			const self = `${/ArcGIS emulator on (\S+)/.exec(out)?.[1]}/portal/sharing/rest/community/self?f=json`;
			const right = await cliProcess(['request', self, '-u', 'EXAMPLE\\alice'], {env: {ARCGIS_PASSWORD: 'alice-secret-1'}});
			assert.equal(right.code, 0, right.stderr);
			assert.equal((JSON.parse(right.stdout) as {username: string}).username, 'alice');
			const wrong = await cliProcess(['request', self, '-u', 'alice'], {env: {ARCGIS_PASSWORD: 'not-her-password'}});
			assert.equal(wrong.code, 3);
			assert.match(wrong.stderr, /^arcgis-auth: WEB_TIER_FAILED: NTLM login to 127\.0\.0\.1:\d+ was rejected for alice: wrong password, unknown user or wrong domain\./);
			assert.ok(!wrong.stderr.includes('not-her-password'));
		} finally {
			if (child.exitCode === null) {
				const exited = new Promise(resolve => child.once('exit', resolve));
				child.kill('SIGTERM');
				await exited;
			}
		}
	});

	it('runs the demo that npm start runs', async function () {
		this.timeout(20_000);
		const {stdout} = await new Promise<{stdout: string}>((resolve, reject) => {
			execFile(process.execPath, ['--import', 'tsx', CLI_BIN, 'demo'], (error, out) => {
				if (error) {
					reject(new Error(`the demo failed: ${error.message}`));
				} else {
					resolve({stdout: out});
				}
			});
		});
		assert.match(stdout, /1\. got\(url, \{hooks: auth\.hooks\}\) listed 2 services/);
		assert.match(stdout, /the same session on 3 servers federated with the portal: 2 \+ 2 \+ 2 services, 3 server tokens/);
		assert.match(stdout, /OAuth app credentials \(ArcGISAppAuth, client_credentials\): the portal knows the app as demo-app; a federated server lists 2 services/);
		assert.match(stdout, /OAuth user sign-in \(ArcGISPortalOAuthAuth\.signIn: PKCE, the code pasted out of band\): demo, refresh token until \d{4}-/);
		assert.match(stdout, /signOut\(\) revoked it/);
		assert.match(stdout, /6\. a wrong password: 3 requests rejected with INVALID_CREDENTIALS, 1 login attempt/);
		assert.match(stdout, /7\. the CLI: .* → \{"count":5\} \(exit 0\)/);
	});
});

describe('the arcgis-auth CLI on a PKI site', () => {
	withoutNock();
	const emu = useEmulator({https: true, clientCertificates: true});
	let dir = '';
	const file = (name: string) => join(dir, name);
	before(() => {
		dir = mkdtempSync(join(tmpdir(), 'got-arcgis-auth-cli-pki-'));
		writeFileSync(file('client.crt'), emu.clientCertificate!.certificate);
		writeFileSync(file('client.key'), emu.clientCertificate!.key, {mode: 0o600});
		writeFileSync(file('ca.pem'), emu.certificate!);
	});
	after(() => {
		rmSync(dir, {recursive: true, force: true});
	});

	it('signs in with --cert/--key (no password), and reaches a federated server with --auth portal', async () => {
		const pki = ['--cert', file('client.crt'), '--key', file('client.key'), '--cacert', file('ca.pem')];
		const self = await cli(['request', `${emu.portalUrl}/sharing/rest/portals/self?f=json`, ...pki]);
		assert.equal(self.code, 0, self.stderr);
		assert.equal((JSON.parse(self.stdout) as {user?: {username: string}}).user?.username, 'demo');
		const hosted = await cli(['request', `${emu.federatedServerUrls[0]}/rest/services?f=json`, '--auth', 'portal', ...pki]);
		assert.equal(hosted.code, 0, hosted.stderr);
		assert.equal((JSON.parse(hosted.stdout) as {services?: unknown[]}).services?.length, 2);
	});

	it('runs a PKI emulator with federated servers from the command line, writing the client certificate files', async () => {
		const pkiDir = join(dir, 'pki');
		let stop!: () => void;
		const stopped = new Promise<void>(resolve => {
			stop = resolve;
		});
		const stdout = new PassThrough();
		let out = '';
		const ready = new Promise<void>(resolve => {
			stdout.on('data', chunk => {
				out += String(chunk);
				if (out.includes('Ctrl-C to stop.')) {
					resolve();
				}
			});
		});
		const io: CliIo = {stdout, stderr: new PassThrough() as unknown as NodeJS.WriteStream, stdin: new PassThrough() as unknown as NodeJS.ReadStream, env: {}, stopped};
		const running = main(['emulator', '--client-certificates', pkiDir, '--federated', 'hosting', '--federated', 'gis2'], io);
		await ready;
		const root = /federated server: (\S+)\/rest\/services/.exec(out.split('\n').find(line => line.includes('/gis2/')) ?? '')?.[1];
		assert.match(root ?? '', /^https:\/\/127\.0\.0\.1:\d+\/gis2$/);
		const pki = ['--cert', join(pkiDir, 'client.crt'), '--key', join(pkiDir, 'client.key'), '--cacert', join(pkiDir, 'emulator.crt')];
		const run = await cli(['request', `${root}/rest/services?f=json`, '--auth', 'portal', ...pki]);
		assert.equal(run.code, 0, run.stderr);
		stop();
		assert.equal(await running, 0);
		assert.equal((await cli(['emulator', '--federated', 'Not A Name'])).code, 2);
	});

	it('says what is missing without a certificate, and names an unreadable file', async () => {
		const missing = await cli(['request', `${emu.portalUrl}/sharing/rest/portals/self?f=json`, '--cacert', file('ca.pem')]);
		assert.equal(missing.code, 3);
		assert.match(missing.stderr, /asks for a client certificate/);
		const unreadable = await cli(['request', `${emu.portalUrl}/sharing/rest/portals/self?f=json`, '--cert', file('nope.crt'), '--key', file('client.key')]);
		assert.equal(unreadable.code, 2);
		assert.match(unreadable.stderr, /--cert: cannot read .*nope\.crt \(ENOENT\)/);
	});
});
