import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {createServer} from 'node:https';
import type {AddressInfo} from 'node:net';
import type {TLSSocket} from 'node:tls';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {inspect} from 'node:util';
import got from 'got';
import {generate} from 'selfsigned';
import {ArcGISPortalAuth, ArcGISPortalTokenAuth, ArcGISServerTokenAuth, ArcGISTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

/** A PKCS#12 file of a certificate and key, made with the openssl command (Node cannot write one). */
function toPfx(certificate: string, key: string, passphrase: string): Buffer {
	const dir = mkdtempSync(join(tmpdir(), 'got-arcgis-auth-pfx-'));
	try {
		writeFileSync(join(dir, 'cert.pem'), certificate);
		writeFileSync(join(dir, 'key.pem'), key, {mode: 0o600});
		execFileSync('openssl', ['pkcs12', '-export', '-in', join(dir, 'cert.pem'), '-inkey', join(dir, 'key.pem'), '-out', join(dir, 'client.pfx'), '-passout', `pass:${passphrase}`]);
		return readFileSync(join(dir, 'client.pfx'));
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

const certificateError = (pattern: RegExp) => (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'CLIENT_CERTIFICATE' && pattern.test(error.message);

describe('PKI: client certificates, against the emulator', () => {
	withoutNock();
	const emu = useEmulator({https: true, clientCertificates: true, federatedServers: ['hosting', 'imagery']});
	beforeEach(() => {
		emu.resetStats();
	});

	const pem = () => ({certificate: emu.clientCertificate!.certificate, key: emu.clientCertificate!.key, certificateAuthority: emu.certificate!});

	it('logs in and sends requests with certificate + key, on the handler’s own calls and through a session that was given nothing', async () => {
		const s = createSession({auth: new ArcGISServerTokenAuth('demo', 'demo1234', pem())});
		const body = await s.get(`${emu.serverUrl}/rest/services?f=json`).json<{services?: unknown[]}>();
		assert.equal(body.services?.length, 2);
		assert.equal(emu.stats.counts['server.info'], 1);
		assert.equal(emu.stats.counts['server.generateToken'], 1);
	});

	it('works with pfx + passphrase', async () => {
		const pfx = toPfx(emu.clientCertificate!.certificate, emu.clientCertificate!.key, 'pfx-pass-1');
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {pfx, passphrase: 'pfx-pass-1', certificateAuthority: emu.certificate!});
		const body = await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}).json<{services?: unknown[]}>();
		assert.equal(body.services?.length, 2);
	});

	it('fails clearly when the site wants a certificate and none was given: on the handler’s calls and on a plain request', async () => {
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {certificateAuthority: emu.certificate!});
		await assert.rejects(got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}), certificateError(/asks for a client certificate.*none was given.*certificate and key.*pfx/));
		const given = new ArcGISTokenAuth('some-token-value', {certificateAuthority: emu.certificate!});
		await assert.rejects(got(`${emu.serverUrl}/rest/services?f=json`, {hooks: given.hooks}), certificateError(/none was given/));
		assert.equal(emu.stats.requests, 0, 'TLS refused every connection');
	});

	it('fails clearly when the site wants a certificate and the handler was given no TLS options at all (the caller trusts the site through got)', async () => {
		const given = new ArcGISTokenAuth('some-token-value');
		const https = {certificateAuthority: emu.certificate!};
		await assert.rejects(got(`${emu.serverUrl}/rest/services?f=json`, {hooks: given.hooks, https}), certificateError(/asks for a client certificate.*none was given.*certificate and key.*pfx/));
		// Another host's demand is not the handler's to explain: OpenSSL's error stands.
		await assert.rejects(
			got(`${emu.serverUrl.replace('127.0.0.1', 'localhost')}/rest/services?f=json`, {hooks: given.hooks, https}),
			(error: unknown) => !(error instanceof TokenAuthenticationError) && (error as {code?: string}).code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
		);
		assert.equal(emu.stats.requests, 0, 'TLS refused every connection');
	});

	it('fails clearly when the site refuses the certificate given (signed by another authority)', async () => {
		const stranger = await generate([{name: 'commonName', value: 'demo'}], {keyType: 'ec', algorithm: 'sha256', extensions: [{name: 'extKeyUsage', clientAuth: true}]});
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {certificate: stranger.cert, key: stranger.private, certificateAuthority: emu.certificate!});
		await assert.rejects(got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}), (error: unknown) => {
			// TLS 1.3 sends the refusal after the handshake; it may reach the client as an alert or a reset.
			assert.ok(error instanceof TokenAuthenticationError, `a TokenAuthenticationError, got ${String(error)}`);
			assert.ok(['CLIENT_CERTIFICATE', 'NETWORK_ERROR'].includes(error.code), error.code);
			return true;
		});
	});

	it('a PKI portal with no password: the certificate signs the user in, and federated servers get server tokens over that connection', async () => {
		const s = createSession({auth: new ArcGISPortalAuth(undefined, undefined, pem())});
		const self = await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json<{user?: {username: string}}>();
		assert.equal(self.user?.username, 'demo');
		for (const root of emu.federatedServerUrls) {
			assert.equal((await s.get(`${root}/rest/services?f=json`).json<{services?: unknown[]}>()).services?.length, 2);
		}

		assert.equal(emu.stats.counts['portal.generateToken'], undefined, 'no portal login');
		assert.equal(emu.stats.counts['federated.hosting.exchangeToken'], 1);
		assert.equal(emu.stats.counts['federated.imagery.exchangeToken'], 1);
		assert.deepEqual(
			emu.stats.log.filter(entry => entry.path === '/portal/sharing/rest/generateToken').map(entry => entry.tokenIn),
			[null, null],
			'no portal token on the exchanges',
		);
	});

	it('keeps the key and passphrase out of util.inspect, JSON and errors', async () => {
		const key = emu.clientCertificate!.key;
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {...pem(), passphrase: 'not-needed-pass-9'});
		const shown = `${inspect(auth, {depth: 10})}${JSON.stringify(auth)}`;
		assert.ok(!shown.includes('PRIVATE KEY') && !shown.includes('not-needed-pass-9'), 'nothing secret shown');
		// A request that fails in TLS after the handler put its key on it (the caller's CA is broken).
		// A PKI portal handler places no token: only its key is on the request.
		const portal = new ArcGISPortalAuth(undefined, undefined, {...pem(), passphrase: 'not-needed-pass-9'});
		const error = await got(`${emu.portalUrl}/sharing/rest/portals/self?f=json`, {hooks: portal.hooks, https: {certificateAuthority: 'not a certificate'}}).catch((error_: unknown) => error_);
		assert.ok(error instanceof Error, 'the request failed');
		const text = `${inspect(error, {depth: 10})}${JSON.stringify(error)}`;
		assert.ok(!text.includes(key.split('\n')[1]!) && !text.includes('not-needed-pass-9'), 'the error does not show the key');
	});

	/** A host that asks for client certificates without requiring them, and notes per path whether one came. */
	async function notingHost(answer: (path: string) => unknown) {
		const fixture = (name: string) => readFileSync(new URL(`fixtures/tls/${name}`, import.meta.url));
		const offered: Array<[string, boolean]> = [];
		const server = createServer({cert: fixture('cert.pem'), key: fixture('key.pem'), requestCert: true, rejectUnauthorized: false}, (request, response) => {
			offered.push([(request.url ?? '').split('?')[0]!, Object.keys((request.socket as TLSSocket).getPeerCertificate()).length > 0]);
			response.setHeader('content-type', 'application/json');
			response.end(JSON.stringify(answer(request.url ?? '')));
		});
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		return {
			url: `https://localhost:${(server.address() as AddressInfo).port}`,
			certificate: fixture('cert.pem').toString(),
			offered,
			close() {
				server.close();
				server.closeAllConnections();
			},
		};
	}

	it('does not offer the client certificate to a public server a portal handler passes on', async () => {
		const host = await notingHost(path => (path.includes('/rest/info') ? {currentVersion: 11.3, authInfo: {isTokenBasedSecurity: false}} : {services: []}));
		try {
			const auth = new ArcGISPortalTokenAuth('demo', 'demo1234', {...pem(), certificateAuthority: [emu.certificate!, host.certificate]});
			const s = createSession({auth});
			await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`, {https: {certificateAuthority: [emu.certificate!, host.certificate]}});
			await s.get(`${host.url}/public/rest/services?f=json`, {https: {certificateAuthority: host.certificate}});
			assert.deepEqual(
				host.offered.filter(([path]) => path === '/public/rest/services'),
				[['/public/rest/services', false]],
			);
		} finally {
			host.close();
		}
	});

	it('does not offer the client certificate to another host after a redirect', async () => {
		const host = await notingHost(() => ({}));
		try {
			const target = `${host.url}/elsewhere`;
			const auth = new ArcGISTokenAuth(emu.issueToken().token, {certificate: emu.clientCertificate!.certificate, key: emu.clientCertificate!.key});
			const https = {certificateAuthority: [emu.certificate!, host.certificate]};
			await got(target, {https});
			await got(`${emu.url}/redirect/302?to=${encodeURIComponent(target)}`, {hooks: auth.hooks, https});
			assert.deepEqual(
				host.offered.map(([, was]) => was),
				[false, false],
				'no certificate offered to the other host',
			);
		} finally {
			host.close();
		}
	});

	it('checks the PKI options by name, never echoing them', () => {
		const invalid = (pattern: RegExp) => (error: unknown) =>
			error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION' && pattern.test(error.message) && !error.message.includes('PRIVATE');
		assert.throws(() => new ArcGISServerTokenAuth('demo', 'demo1234', {certificate: emu.clientCertificate!.certificate}), invalid(/certificate and key go together/));
		assert.throws(() => new ArcGISServerTokenAuth('demo', 'demo1234', {key: emu.clientCertificate!.key}), invalid(/certificate and key go together/));
		assert.throws(() => new ArcGISServerTokenAuth('demo', 'demo1234', {...pem(), pfx: Buffer.from('x')}), invalid(/not both/));
		assert.throws(() => new ArcGISServerTokenAuth('demo', 'demo1234', {passphrase: 'p'}), invalid(/passphrase/));
		assert.throws(() => new ArcGISServerTokenAuth('demo', 'demo1234', {certificateAuthority: 42 as unknown as string}), invalid(/certificateAuthority/));
	});
});
