import assert from 'node:assert/strict';
import {subscribe, unsubscribe} from 'node:diagnostics_channel';
import type {IncomingMessage} from 'node:http';
import got from 'got';
import {startEmulator, type Emulator} from '../../lib/emulator/index.js';
import {ArcGISPortalSAMLAuth, TokenAuthenticationError, createSession} from '../../lib/index.js';
import {findKerberos, forgetKerberosModule} from '../../lib/web-tier/kerberos.js';
import {withoutNock} from '../helpers/local-site.js';
import {HOW_TO_ENABLE, dnsLookup, saml, type SamlIdp} from './saml-env.js';

// ArcGISPortalSAMLAuth itself against the real IdPs and the emulator's SAML service provider:
// no step of the login is driven by the spec.
type Seen = {path: string; headers: IncomingMessage['headers']; body: string};

/** Every request the emulator's server received, with its headers and body (Node's diagnostics channel, no proxy). */
function recordRequestsTo(port: () => number): {seen: Seen[]; stop: () => void} {
	const seen: Seen[] = [];
	const listener = (message: unknown) => {
		const {request} = message as {request: IncomingMessage};
		if (request.socket.localPort !== port()) {
			return;
		}

		const entry: Seen = {path: request.url ?? '', headers: request.headers, body: ''};
		seen.push(entry);
		request.on('data', (chunk: Buffer) => {
			entry.body += chunk.toString('utf8');
		});
	};

	subscribe('http.server.request.start', listener);
	return {seen, stop: () => unsubscribe('http.server.request.start', listener)};
}

const isCode = (code: string) => (error: unknown) => error instanceof TokenAuthenticationError && error.code === code;

describe('ArcGISPortalSAMLAuth against a real IdP (SimpleSAMLphp) and the emulator’s SAML service provider', function () {
	this.timeout(60_000);
	withoutNock();
	let emulator: Emulator | undefined;
	let recording: ReturnType<typeof recordRequestsTo> | undefined;
	before(async function () {
		forgetKerberosModule();
		if (!saml) {
			assert.ok(!process.env.CI, `CI is set but the SAML IdP environment is not loaded: ${HOW_TO_ENABLE}`);
			console.log(`    SAML handler integration specs skipped: ${HOW_TO_ENABLE}`);
			this.skip();
		}

		assert.ok((await findKerberos()) || !process.env.CI, 'CI is set but the optional kerberos package is not installed (scripts/iwa/kerberos-module.sh)');
	});
	afterEach(async () => {
		recording?.stop();
		await emulator?.close();
		emulator = undefined;
	});

	async function start(idp: SamlIdp, options: {oauthAccessTokenSeconds?: number; oAuthInfoStyle?: 'one-line' | 'multi-line' | 'nested'} = {}) {
		emulator = await startEmulator({
			federatedServers: ['hosting'],
			enterpriseLogin: {idpSsoUrl: idp.ssoUrl, idpIssuer: idp.entityId, idpCertificate: saml!.certificate, spEntityId: saml!.spEntityId},
			...options,
		});
		const port = Number(new URL(emulator.url).port);
		recording = recordRequestsTo(() => port);
		return emulator;
	}

	const sessionOf = (auth: ArcGISPortalSAMLAuth) => createSession({auth}).extend({dnsLookup, retry: {limit: 0}});
	const self = async (emu: Emulator, auth: ArcGISPortalSAMLAuth) => sessionOf(auth).get(`${emu.portalUrl}/sharing/rest/community/self?f=json`).json<{username?: string}>();

	/** Nothing of the identity provider's reached the portal: no Authorization header, no IdP cookie, no password. */
	function assertPortalSawNoIdpSecrets(): void {
		assert.ok(recording!.seen.length >= 2, 'the portal’s requests were recorded (at least the authorize page and the start of the IdP leg)');
		for (const request of recording!.seen) {
			assert.equal(request.headers.authorization, undefined, request.path);
			assert.doesNotMatch(request.headers.cookie ?? '', /SimpleSAML/i, request.path);
			assert.ok(!`${request.path} ${request.body}`.includes(saml!.password), request.path);
		}
	}

	it('Kerberos SSO: no password at all; the portal and a federated server answer; the portal saw no Kerberos header', async function () {
		if (!(await findKerberos())) {
			this.skip();
		}

		const emu = await start(saml!.kerberos);
		const auth = new ArcGISPortalSAMLAuth('demo-app', {portal: emu.portalUrl});
		assert.equal((await self(emu, auth)).username, saml!.user);
		const services = await sessionOf(auth).get(`${emu.federatedServerUrls[0]!}/rest/services?f=json`).json<{services?: unknown[]}>();
		assert.equal(services.services?.length, 2);
		assert.equal(emu.stats.counts['portal.oauth2.saml.signin'], 1);
		assertPortalSawNoIdpSecrets();
	});

	it('NTLM at the same IdP when Kerberos cannot be used (an SPN the KDC does not know): username and password', async () => {
		const emu = await start(saml!.kerberos);
		const auth = new ArcGISPortalSAMLAuth('demo-app', {portal: emu.portalUrl, username: `${saml!.domain}\\${saml!.user}`, password: saml!.password, idpSpn: 'HTTP@no-such-idp.example.test'});
		assert.equal((await self(emu, auth)).username, saml!.user);
		assertPortalSawNoIdpSecrets();
	});

	it('the forms IdP over plain http to a host that is not loopback by name: refused until allowHttp', async () => {
		const emu = await start(saml!.forms);
		const auth = new ArcGISPortalSAMLAuth('demo-app', {portal: emu.portalUrl, username: saml!.user, password: saml!.password});
		await assert.rejects(self(emu, auth), isCode('INSECURE_TRANSPORT'));
		assertPortalSawNoIdpSecrets();
	});

	// idp.example.test resolves to 127.0.0.1 only through the specs' dnsLookup: by name it is not
	// loopback, so the password may go to it over plain http only with allowHttp.
	it('the forms IdP: the login form filled once; 20 concurrent first requests, one enterprise login', async () => {
		const emu = await start(saml!.forms);
		const auth = new ArcGISPortalSAMLAuth('demo-app', {portal: emu.portalUrl, username: saml!.user, password: saml!.password, allowHttp: true});
		const s = sessionOf(auth);
		const answers = await Promise.all(Array.from({length: 20}, async () => s.get(`${emu.portalUrl}/sharing/rest/community/self?f=json`).json<{username?: string}>()));
		assert.ok(answers.every(answer => answer.username === saml!.user));
		assert.equal(emu.stats.counts['portal.oauth2.saml.authorize'], 1);
		assert.equal(emu.stats.counts['portal.oauth2.token.authorization_code'], 1);
		assertPortalSawNoIdpSecrets();
	});

	for (const style of ['one-line', 'multi-line', 'nested'] as const) {
		it(`reads the authorize page’s oAuthInfo written ${style} (ArcGIS Online after 2019, before it, an OpenID Connect organisation’s)`, async () => {
			const emu = await start(saml!.forms, {oAuthInfoStyle: style});
			const auth = new ArcGISPortalSAMLAuth('demo-app', {portal: emu.portalUrl, username: saml!.user, password: saml!.password, allowHttp: true});
			assert.equal((await self(emu, auth)).username, saml!.user);
		});
	}

	it('a wrong password at the forms IdP: SAML_LOGIN_FAILED for 20 concurrent requests, one attempt, kept', async () => {
		const emu = await start(saml!.forms);
		const auth = new ArcGISPortalSAMLAuth('demo-app', {portal: emu.portalUrl, username: saml!.user, password: 'not-alices-password', allowHttp: true});
		const s = sessionOf(auth);
		const results = await Promise.allSettled(Array.from({length: 20}, async () => s.get(`${emu.portalUrl}/sharing/rest/community/self?f=json`)));
		assert.ok(results.every(result => result.status === 'rejected' && isCode('SAML_LOGIN_FAILED')(result.reason)));
		assert.match(((results[0] as PromiseRejectedResult).reason as Error).message, /idp\.example\.test:\d+ showed its login form again/);
		await assert.rejects(s.get(`${emu.portalUrl}/sharing/rest/community/self?f=json`), isCode('SAML_LOGIN_FAILED'));
		assert.equal(emu.stats.counts['portal.oauth2.saml.authorize'], 1, 'one login walk in all');
	});

	it('refreshes with the refresh token without going back to the IdP', async () => {
		const emu = await start(saml!.forms, {oauthAccessTokenSeconds: 1});
		const auth = new ArcGISPortalSAMLAuth('demo-app', {portal: emu.portalUrl, username: saml!.user, password: saml!.password, allowHttp: true});
		await self(emu, auth);
		await new Promise(resolve => setTimeout(resolve, 700));
		assert.equal((await self(emu, auth)).username, saml!.user);
		assert.equal(emu.stats.counts['portal.oauth2.token.refresh_token'], 1);
		assert.equal(emu.stats.counts['portal.oauth2.saml.authorize'], 1);
	});

	it('no ticket and no credentials at the Windows IdP: a clear SAML_LOGIN_FAILED within seconds', async () => {
		const emu = await start(saml!.kerberos);
		const started = Date.now();
		const auth = new ArcGISPortalSAMLAuth('demo-app', {portal: emu.portalUrl, idpSpn: 'HTTP@no-such-idp.example.test'});
		await assert.rejects(self(emu, auth), (error: unknown) => isCode('SAML_LOGIN_FAILED')(error) && /asks for Windows authentication/.test((error as Error).message));
		assert.ok(Date.now() - started < 10_000);
		// The portal served nothing to a stranger.
		assert.equal(emu.stats.counts['portal.oauth2.saml.signin'], undefined);
		await got(`${emu.portalUrl}/sharing/rest/community/self?f=json`).json();
	});
});
