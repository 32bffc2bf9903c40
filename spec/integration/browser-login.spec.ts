import assert from 'node:assert/strict';
import {spawn, type ChildProcess} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import got from 'got';
import {chromium, type Browser} from 'playwright-core';
import {CLI_BIN, cliProcess} from '../helpers/cli-run.js';
import {useEmulator} from '../helpers/emulator.js';
import {withoutNock} from '../helpers/local-site.js';

/** A system Chromium (Debian's `chromium` package): playwright-core drives it without downloading a browser of its own. */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(path => path !== undefined && path !== '' && existsSync(path));

const HOW_TO_ENABLE = 'Real-browser specs skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH). .ci/run installs it.';

/** `arcgis-auth login` as a child process, as a person runs it at a terminal; resolves with the authorize URL it prints. */
function startLogin(args: string[], env: Record<string, string>): {child: ChildProcess; url: Promise<string>; exit: Promise<{code: number | null; stdout: string; stderr: string}>} {
	const child = spawn(process.execPath, ['--import', 'tsx', CLI_BIN, 'login', ...args], {env: {PATH: process.env.PATH ?? '', ...env}, stdio: ['pipe', 'pipe', 'pipe']});
	let stdout = '';
	let stderr = '';
	child.stdout.on('data', chunk => {
		stdout += String(chunk);
	});
	const url = new Promise<string>((resolve, reject) => {
		child.stderr.on('data', chunk => {
			stderr += String(chunk);
			const match = /Open this address in a browser to sign in:\n\n {2}(\S+)\n/.exec(stderr);
			if (match) {
				resolve(match[1]!);
			}
		});
		child.on('exit', () => reject(new Error(`login ended before printing the address: ${stderr}`)));
	});
	const exit = new Promise<{code: number | null; stdout: string; stderr: string}>(resolve => {
		child.on('exit', code => resolve({code, stdout, stderr}));
	});
	return {child, url, exit};
}

describe('arcgis-auth login in a real browser (headless Chromium on the emulator’s sign-in page)', function () {
	this.timeout(60_000);
	withoutNock();
	const emu = useEmulator({federatedServers: ['hosting']});
	let browser: Browser | undefined;
	let home: string;

	before(async function () {
		if (!CHROMIUM) {
			// In CI the browser is installed by .ci/run: its absence there is a failure, not a skip.
			if (process.env.CI) {
				throw new Error(`CI runs the real-browser spec, but no Chromium was found. ${HOW_TO_ENABLE}`);
			}

			console.log(`    ${HOW_TO_ENABLE}`);
			this.skip();
		}

		browser = await chromium.launch({
			executablePath: CHROMIUM,
			headless: true,
			// This machine's network is closed: without these, Chromium's own background connections are refused many at a time.
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		home = mkdtempSync(join(tmpdir(), 'arcgis-auth-browser-'));
	});
	after(async () => {
		await browser?.close();
		if (home) {
			rmSync(home, {recursive: true, force: true});
		}
	});

	it('login with a loopback redirect: the person signs in on the page, the CLI receives the callback, then token works', async () => {
		const env = {XDG_CONFIG_HOME: home};
		const login = startLogin([emu.portalUrl, '--client-id', 'demo-app', '--redirect-uri', 'http://127.0.0.1/callback', '--no-browser'], env);
		try {
			const url = await login.url;
			const page = await browser!.newPage();
			await page.goto(url);
			await page.fill('#user_username', 'demo');
			await page.fill('#user_password', 'demo1234');
			await Promise.all([page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/), page.click('#signIn')]);
			// The browser landed on the CLI's listener, which answered with its short page.
			assert.match((await page.textContent('body')) ?? '', /signed in/i);
			const callback = new URL(page.url());
			assert.equal(callback.searchParams.get('state'), new URL(url).searchParams.get('state'));
			await page.close();

			const done = await login.exit;
			assert.equal(done.code, 0, done.stderr);
			assert.match(done.stdout, new RegExp(`^Signed in to ${emu.portalUrl} as demo until `));
			assert.equal(statSync(join(home, 'got-arcgis-auth', 'sign-ins.json')).mode & 0o777, 0o600);
			assert.ok(!readFileSync(join(home, 'got-arcgis-auth', 'sign-ins.json'), 'utf8').includes('demo1234'));
			// The listener is gone once the callback came.
			await assert.rejects(got(callback.href, {retry: {limit: 0}}), {code: 'ECONNREFUSED'});
		} finally {
			login.child.kill();
		}

		const token = await cliProcess(['token', `${emu.portalUrl}/sharing/rest/portals/self`, '--json'], {env});
		assert.equal(token.code, 0, token.stderr);
		const self = await got(`${emu.portalUrl}/sharing/rest/portals/self`, {searchParams: {f: 'json', token: (JSON.parse(token.stdout) as {token: string}).token}}).json<{user?: {username: string}}>();
		assert.equal(self.user?.username, 'demo');
		const federated = await cliProcess(['request', `${emu.federatedServerUrls[0]!}/rest/services?f=json`], {env});
		assert.equal(federated.code, 0, federated.stderr);
		assert.equal(emu.stats.counts['portal.oauth2.token.authorization_code'], 1);
	});
});
