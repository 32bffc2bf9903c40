import assert from 'node:assert/strict';
import {createServer as createHttpServer} from 'node:http';
import {createServer, type Server} from 'node:net';
import {PassThrough} from 'node:stream';
import type {CliIo} from '../lib/cli/io.js';
import {main} from '../lib/cli/main.js';
import {CLI_BIN, cli, cliProcess} from './helpers/cli-run.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';
import {LoopbackListener} from './helpers/loopback-server.js';

/** The exit-code contract (0 ok, 2 usage, 3 authentication, 4 HTTP/ArcGIS or unreachable) and the CLI's own words, as a shell meets them. */
describe('the arcgis-auth CLI contract', function () {
	this.timeout(30_000);
	withoutNock();
	const emu = useEmulator();
	const pw = {ARCGIS_PASSWORD: 'demo1234'};

	it('exits 4 for a refused connection, during discovery and after it alike', async () => {
		const [discovery, request] = await Promise.all([
			cliProcess(['token', 'http://127.0.0.1:1/arcgis/rest/services', '-u', 'demo'], {env: pw}),
			cliProcess(['request', 'http://127.0.0.1:1/arcgis/rest/services', '--auth', 'none']),
		]);
		assert.equal(discovery.code, 4, discovery.stderr);
		assert.equal(discovery.stderr, 'arcgis-auth: NETWORK_ERROR: Could not reach http://127.0.0.1:1/arcgis/rest/info?f=json: connect ECONNREFUSED 127.0.0.1:1\n');
		assert.equal(request.code, 4, request.stderr);
		assert.match(request.stderr, /^arcgis-auth: connect ECONNREFUSED 127\.0\.0\.1:1 \(http:\/\/127\.0\.0\.1:1\/arcgis\/rest\/services\)\n$/);
	});

	it('exits 2 for a URL that is not http or https, and for a busy emulator port, in its own words', async () => {
		const blocker: Server = createServer();
		await new Promise<void>(resolve => {
			blocker.listen(0, '127.0.0.1', resolve);
		});
		const {port} = blocker.address() as {port: number};
		try {
			const [ftp, busy] = await Promise.all([cliProcess(['token', 'ftp://gis.example.com/arcgis/rest', '-u', 'demo'], {env: pw}), cliProcess(['emulator', '--port', String(port)])]);
			assert.equal(ftp.code, 2);
			assert.equal(ftp.stderr, 'arcgis-auth: token takes an http:// or https:// URL, not ftp://.\nRun arcgis-auth help token for usage.\n');
			assert.equal(busy.code, 2);
			assert.equal(busy.stderr, `arcgis-auth: port ${port} on 127.0.0.1 is in use: choose another --port, or leave --port out for a free one.\nRun arcgis-auth help emulator for usage.\n`);
		} finally {
			blocker.close();
		}
	});

	it('exits 2 when a token site needs -u and none was given, naming the flag', async () => {
		const run = await cliProcess(['token', `${emu.serverUrl}/rest/services`]);
		assert.equal(run.code, 2);
		assert.equal(run.stderr, `arcgis-auth: ${emu.serverUrl}/tokens/generateToken wants a token: give -u NAME (or ARCGIS_USERNAME) and a password.\nRun arcgis-auth help token for usage.\n`);
	});

	it('sends -X GET as a GET, with -d fields in the query (as curl -G), and a bare request as the POST --help describes', async () => {
		emu.resetStats();
		const get = await cliProcess(
			['request', `${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`, '-u', 'demo', '-X', 'GET', '-d', 'where=1=1', '-d', 'returnCountOnly=true', '-d', 'f=json'],
			{env: pw},
		);
		assert.equal(get.code, 0, get.stderr);
		assert.deepEqual(JSON.parse(get.stdout), {count: 5});
		const sent = emu.stats.log.at(-1);
		assert.equal(sent?.method, 'GET');
		assert.equal(sent?.tokenIn, 'query');
		const bare = await cli(['request', `${emu.serverUrl}/rest/services?f=json`, '-u', 'demo', '-v'], {env: pw});
		assert.match(bare.stderr, /> POST http:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/services\n/);
		assert.match((await cli(['request', '--help'])).stdout, /Without -X a token site gets a GET as a POST/);
	});

	it('says how a token is bound, and takes --client, --referer and --expiration (also in --json)', async () => {
		const text = await cliProcess(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo'], {env: pw});
		assert.equal(text.code, 0, text.stderr);
		assert.match(text.stdout, /\nbound: {3}client=referer, Referer: got-arcgis-auth \(send that header with the token\)\n$/);
		emu.resetStats();
		const json = await cli(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo', '--json', '--referer', 'https://app.example.com', '--expiration', '5'], {env: pw});
		const parsed = JSON.parse(json.stdout) as {expires: string; client: string; referer: string};
		assert.equal(parsed.client, 'referer');
		assert.equal(parsed.referer, 'https://app.example.com');
		const lifetime = Date.parse(parsed.expires) - Date.now();
		assert.ok(lifetime > 3 * 60_000 && lifetime <= 5 * 60_000, String(lifetime));
		const ip = await cli(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo', '--client', 'requestip', '--json'], {env: pw});
		assert.deepEqual(Object.keys(JSON.parse(ip.stdout) as object), ['token', 'expires', 'ssl', 'client']);
		assert.match(
			(await cli(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo', '--client', 'requestip'], {env: pw})).stdout,
			/bound: {3}client=requestip \(works only from this machine's IP address\)/,
		);
		const wrong = await cli(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo', '--client', 'ip'], {env: pw});
		assert.equal(wrong.code, 2);
		assert.match(wrong.stderr, /^arcgis-auth: --client must be referer or requestip\.\n/);
	});

	it('answers flag typos and -p in its own words, with a "did you mean"', async () => {
		const [typo, password, command, missing] = await Promise.all([
			cliProcess(['token', 'http://x', '--tmieout', '3']),
			cliProcess(['token', 'http://x', '-p', 'secret']),
			cliProcess(['tokne', 'http://x']),
			cliProcess(['token', 'http://x', '-u']),
		]);
		assert.deepEqual(
			[typo, password, command, missing].map(run => [run.code, run.stderr]),
			[
				[2, 'arcgis-auth: unknown option --tmieout (did you mean --timeout?).\nRun arcgis-auth help token for usage.\n'],
				[
					2,
					'arcgis-auth: passwords never come from the command line (shell history and the process list keep it): use --password-stdin, ARCGIS_PASSWORD, or the prompt.\nRun arcgis-auth help token for usage.\n',
				],
				[2, 'arcgis-auth: unknown command "tokne" (did you mean token?).\nRun arcgis-auth help for usage.\n'],
				[2, 'arcgis-auth: --user needs a value.\nRun arcgis-auth help token for usage.\n'],
			],
		);
		assert.equal(
			(await cli(['request', 'http://x', '--pasword=x'])).stderr.split('\n')[0],
			'arcgis-auth: passwords never come from the command line (shell history and the process list keep it): use --password-stdin, ARCGIS_PASSWORD, or the prompt.',
		);
	});

	it('has --version and help <command>', async () => {
		const version = await cliProcess(['--version']);
		assert.equal(version.code, 0);
		assert.match(version.stdout, /^arcgis-auth \d+\.\d+\.\d+\n$/);
		const help = await cli(['help', 'request']);
		assert.equal(help.code, 0);
		assert.match(help.stdout, /^Usage: arcgis-auth request <url>/);
	});

	it('gives up after --timeout seconds on a site that never answers, exit 4 with a hint', async () => {
		const silent = createServer(() => {
			// Accepts the connection and says nothing.
		});
		await new Promise<void>(resolve => {
			silent.listen(0, '127.0.0.1', resolve);
		});
		const {port} = silent.address() as {port: number};
		try {
			const started = Date.now();
			const run = await cli(['token', `http://127.0.0.1:${port}/arcgis/rest/services`, '-u', 'demo', '--timeout', '0.5'], {env: pw});
			assert.ok(Date.now() - started < 5000);
			assert.equal(run.code, 4, run.stderr);
			assert.match(
				run.stderr,
				/^arcgis-auth: NETWORK_ERROR: Could not reach http:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/info\?f=json: Timeout awaiting 'request' for 500ms\nGive a longer --timeout SECONDS if the site is slow\.\n$/,
			);
			const bad = await cli(['token', 'http://x', '--timeout', 'soon']);
			assert.equal(bad.code, 2);
			assert.match(bad.stderr, /^arcgis-auth: --timeout takes a number of seconds above 0, got "soon"\.\n/);
			assert.match((await cli(['token', '--help'])).stdout, /--timeout S {6}give up on the site after S seconds \(default 30\)/);
		} finally {
			silent.close();
		}
	});

	it('with --password-stdin at a terminal, says it waits and reads one line', async () => {
		const stdin = Object.assign(new PassThrough(), {isTTY: true});
		const stdout = new PassThrough();
		const stderr = new PassThrough();
		let printed = '';
		stderr.on('data', chunk => {
			printed += String(chunk);
		});
		const io = {stdout, stderr, stdin, env: {}, stopped: new Promise<void>(() => undefined)} as unknown as CliIo;
		const done = main(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo', '--password-stdin', '--json'], io);
		await new Promise(resolve => setTimeout(resolve, 200));
		assert.equal(printed, '--password-stdin: type the password for demo and press Enter (it is shown; leave out --password-stdin for a hidden prompt).\n');
		// One line, and the stream stays open: a terminal does not end.
		stdin.write('demo1234\n');
		assert.equal(await done, 0);
	});
});

describe('the arcgis-auth CLI in its own words', function () {
	this.timeout(30_000);
	withoutNock();
	const emu = useEmulator({https: true});
	const web = useEmulator({webTier: 'negotiate-ntlm'});

	it('hints at --cacert and -k when the TLS certificate is not accepted, exit 4', async () => {
		const run = await cliProcess(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo'], {env: {ARCGIS_PASSWORD: 'demo1234'}});
		assert.equal(run.code, 4);
		assert.match(
			run.stderr,
			/^arcgis-auth: NETWORK_ERROR: Could not reach https:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/info\?f=json: self-signed certificate[^\n]*\nThe site's TLS certificate was not accepted \(DEPTH_ZERO_SELF_SIGNED_CERT\): give --cacert FILE with the certificate authority that signed it, or -k to skip verification \(for testing only\)\.\n$/,
		);
	});

	it('prints a warning as one line that names flags, not Node\'s "(node:PID) [CODE]" text', async () => {
		// A site behind NTLM alone: with no -u there is nothing to answer it with, whether or not the
		// optional kerberos package is installed (Negotiate would try a ticket first and fail otherwise).
		const ntlmOnly = createHttpServer((_request, response) => {
			response.writeHead(401, {'www-authenticate': 'NTLM', 'content-type': 'text/html'});
			response.end('<html>401</html>');
		});
		const listener = new LoopbackListener(ntlmOnly);
		const port = await listener.listen();
		let run;
		try {
			run = await cliProcess(['request', `http://127.0.0.1:${port}/arcgis/rest/services?f=json`]);
		} finally {
			await listener.close();
		}

		assert.equal(run.code, 4);
		assert.match(
			run.stderr,
			/^arcgis-auth: warning \(WEB_TIER_FAILED\): http:\/\/127\.0\.0\.1:\d+ asks for web-tier authentication \(HTTP 401\), which cannot be answered: .*NTLM needs -u NAME and a password\. Requests go on without it\.\n$/,
		);
		assert.ok(!run.stderr.includes('(node:'), run.stderr);
		assert.ok(!run.stderr.includes('--trace-warnings'), run.stderr);
	});

	it('never shows the library prefix or an option name where a flag is meant', async () => {
		const {inCliWords} = await import('../lib/cli/failure.js');
		assert.equal(
			inCliWords('ArcGISServerAuth: https://pki.example.com/ asks for a client certificate (PKI), and none was given: pass the options certificate and key (PEM), or pfx and passphrase.'),
			'https://pki.example.com/ asks for a client certificate (PKI), and none was given: give --cert FILE and --key FILE (PEM), or --pfx FILE (a passphrase in ARCGIS_CERT_PASSPHRASE).',
		);
		assert.equal(inCliWords('got-arcgis-auth: option expiration must be at least 1 minute.'), '--expiration must be at least 1 minute.');
		assert.equal(
			inCliWords(
				"ArcGISPortalAuth: x wants a token, but it is not federated, so the portal's token is not sent there. Use ArcGISServerTokenAuth (or ArcGISServerAuth) with an account of that server.",
			),
			"x wants a token, but it is not federated, so the portal's token is not sent there. Use --auth server-token (or --auth server) with -u and an account of that server.",
		);
		assert.equal(
			inCliWords('NTLM login to h was rejected for u: wrong password. It is not tried again (accounts lock); call auth.reset() after fixing the credentials.'),
			'NTLM login to h was rejected for u: wrong password. It is not tried again (accounts lock); run the command again with the right credentials.',
		);
		assert.equal(
			inCliWords('ArcGISServerTokenAuth: x answered HTTP 401: the site is behind web-tier authentication. Use ArcGISServerAuth, which speaks Kerberos and NTLM.'),
			'x answered HTTP 401: the site is behind web-tier authentication. Use --auth server, which speaks Kerberos and NTLM.',
		);
		assert.equal(
			inCliWords('x. The sign-in has ended (the refresh token expired or was revoked): sign in again (arcgis-auth login, or ArcGISPortalOAuthAuth.signIn).'),
			'x. The sign-in has ended (the refresh token expired or was revoked): sign in again (arcgis-auth login).',
		);
		assert.equal(inCliWords('ArcGISPortalSAMLAuth: the login failed at idp.example.com, kept until reset().'), 'the login failed at idp.example.com.');
		assert.equal(inCliWords('got-arcgis-auth: option redirectUri must be a loopback address'), '--redirect-uri must be a loopback address');
		const certOnly = await cliProcess(['token', `${emu.serverUrl}/rest/services`, '--cert', CLI_BIN]);
		assert.equal(certOnly.code, 2);
		assert.equal(certOnly.stderr, 'arcgis-auth: --cert and --key go together: give both (PEM), or give --pfx instead.\nRun arcgis-auth help token for usage.\n');
		const denied = await cli(['token', `${web.serverUrl}/rest/services`, '-u', 'demo', '--auth', 'server-token', '--allow-http'], {env: {ARCGIS_PASSWORD: 'demo1234'}});
		assert.ok(!/ArcGIS\w*Auth|got-arcgis-auth:/.test(denied.stderr), denied.stderr);
	});
});

describe('the arcgis-auth CLI on a slow site', function () {
	this.timeout(30_000);
	withoutNock();
	const emu = useEmulator({latencyMs: 700});

	/** The CLI in this process with standard error a terminal or not. */
	const atTerminal = async (args: string[], isTTY: boolean) => {
		const stderr = Object.assign(new PassThrough(), {isTTY});
		let printed = '';
		stderr.on('data', chunk => {
			printed += String(chunk);
		});
		const stdin = new PassThrough();
		stdin.end();
		const io = {stdout: new PassThrough(), stderr, stdin, env: {ARCGIS_PASSWORD: 'demo1234'}, stopped: new Promise<void>(() => undefined)} as unknown as CliIo;
		const code = await main(args, io);
		return {code, printed};
	};

	it('says it is still waiting after a second, at a terminal only and not with -v', async () => {
		// Discovery and generateToken take 700 ms each here: the command takes about 1.4 s.
		const shown = await atTerminal(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo'], true);
		assert.equal(shown.code, 0);
		assert.match(shown.printed, /^arcgis-auth: waiting for 127\.0\.0\.1:\d+ \(signing in and asking; Ctrl-C to stop, --timeout to give up sooner\)\.\.\.\n$/);
		const piped = await atTerminal(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo'], false);
		assert.equal(piped.printed, '');
		const verbose = await atTerminal(['request', `${emu.serverUrl}/rest/services?f=json`, '-u', 'demo', '-v'], true);
		assert.ok(!verbose.printed.includes('waiting for'), verbose.printed);
	});

	it('says nothing when the answer comes within the second', async () => {
		emu.setOptions({latencyMs: 0});
		try {
			const quick = await atTerminal(['token', `${emu.serverUrl}/rest/services`, '-u', 'demo'], true);
			assert.deepEqual(quick, {code: 0, printed: ''});
		} finally {
			emu.setOptions({latencyMs: 700});
		}
	});
});
