import assert from 'node:assert/strict';
import got, {HTTPError} from 'got';
import nock from 'nock';
import sinon from 'sinon';
import {ArcGISPortalAuth, ArcGISServerAuth, ArcGISServerTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {forgetKerberosModule} from '../lib/web-tier/kerberos.js';
import {FakeIwaSite, fakeKerberos} from './helpers/fake-iwa.js';
import {FakeSite, useNock} from './helpers/fake-site.js';
import {ntlmType, type2Message} from './helpers/ntlm-fixtures.js';
import {captureWarnings} from './helpers/warnings.js';

const ORIGIN = 'https://iwa.example.com';
const INFO = `${ORIGIN}/arcgis/rest/info?f=json`;
const SERVICES = `${ORIGIN}/arcgis/rest/services?f=json`;
const types = (site: FakeIwaSite) => site.authorizations.map(header => (header === undefined ? 'none' : ntlmType(header) ? `ntlm${ntlmType(header)}` : header.split(' ')[0]));

const webTierFailed = (pattern: RegExp) => (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED' && pattern.test(error.message);

describe('general handlers: web tier decisions', () => {
	useNock();
	afterEach(() => {
		sinon.restore();
		forgetKerberosModule();
	});

	it('behaves exactly as the token handler on a token-secured site', async () => {
		fakeKerberos();
		const site = new FakeSite('https://gis.example.com');
		const auth = new ArcGISServerAuth('alice', 'right-password');
		await got('https://gis.example.com/arcgis/rest/services?f=json', {hooks: auth.hooks});
		assert.equal(site.infoCalls, 1);
		assert.equal(site.tokenCalls, 1);
		assert.equal(site.resourceCalls[0]?.method, 'POST', 'forcePost applies in token mode');
		assert.equal(site.resourceCalls[0]?.tokenIn, 'body');
	});

	it('reads the posture with a GET of rest/info, never HEAD', async () => {
		fakeKerberos(false);
		const methods: string[] = [];
		nock(ORIGIN)
			.persist()
			.intercept(/.*/, 'HEAD')
			.reply(200, function () {
				methods.push('HEAD');
				return '';
			});
		const site = new FakeIwaSite(ORIGIN);
		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
		await got(SERVICES, {hooks: auth.hooks});
		assert.deepEqual(methods, []);
		assert.equal(site.authorizations[0], undefined, 'the probe went out anonymously');
	});

	describe('NTLM', () => {
		it('chooses NTLM without the kerberos module: Type 1 pre-emptively, Type 3 on the challenge, then plain requests on the authenticated connection', async () => {
			fakeKerberos(false);
			const site = new FakeIwaSite(ORIGIN);
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			const s = createSession({auth});
			assert.deepEqual(await s.get(SERVICES).json(), {ok: true});
			assert.deepEqual(await s.get(SERVICES).json(), {ok: true});
			assert.deepEqual(types(site), ['none', 'ntlm1', 'ntlm3', 'none']);
			assert.equal(site.handshakes, 1);
			assert.equal(auth.token, undefined, 'no token in web-tier mode');
		});

		it('does not force POST in web-tier mode', async () => {
			fakeKerberos(false);
			new FakeIwaSite(ORIGIN);
			const auth = new ArcGISServerAuth('alice', 'pw');
			const response = await got(SERVICES, {hooks: auth.hooks});
			assert.equal(response.request.options.method, 'GET');
			assert.equal((response.request.options.url as URL).search, '?f=json');
		});

		it('speaks NTLM under Negotiate when the site offers only Negotiate', async () => {
			fakeKerberos(false);
			const site = new FakeIwaSite(ORIGIN);
			site.offer = ['Negotiate'];
			const auth = new ArcGISServerAuth('alice@example.test', 'pw');
			await got(SERVICES, {hooks: auth.hooks});
			assert.match(site.authorizations[1] ?? '', /^Negotiate TlRMTVNTUAAB/);
			assert.match(site.authorizations[2] ?? '', /^Negotiate TlRMTVNTUAAD/);
		});

		it('fails once and clearly on a rejected login: 10 concurrent requests, one handshake, the same error later, until reset()', async () => {
			fakeKerberos(false);
			const site = new FakeIwaSite(ORIGIN);
			site.acceptType3 = false;
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'Wrong-Pa55word');
			const results = await Promise.allSettled(Array.from({length: 10}, async () => got(SERVICES, {hooks: auth.hooks})));
			assert.equal(site.handshakes, 1, 'one login attempt');
			for (const result of results) {
				assert.equal(result.status, 'rejected');
				const error = result.reason as TokenAuthenticationError;
				assert.ok(webTierFailed(/NTLM login .* rejected for EXAMPLE\\alice/)(error), error.message);
				assert.ok(!error.message.includes('Wrong-Pa55word'));
			}

			const before = site.authorizations.length;
			await assert.rejects(got(SERVICES, {hooks: auth.hooks}), webTierFailed(/rejected/));
			assert.equal(site.authorizations.length, before, 'no traffic for a kept failure');
			auth.reset();
			await assert.rejects(got(SERVICES, {hooks: auth.hooks}), webTierFailed(/rejected/));
			assert.equal(site.handshakes, 2, 'reset() allows one new attempt');
		});

		it('fails clearly on a malformed Type 2, and the next request may try again', async () => {
			fakeKerberos(false);
			const site = new FakeIwaSite(ORIGIN);
			site.type2 = type2Message({truncateTo: 30});
			const auth = new ArcGISServerAuth('alice', 'pw');
			await assert.rejects(got(SERVICES, {hooks: auth.hooks}), webTierFailed(/challenge is not an NTLM Type 2|truncated/));
			site.type2 = type2Message();
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
		});
	});

	describe('Kerberos', () => {
		it('sends a fresh token per request, pre-emptively: one 401 (the probe) for 20 requests', async () => {
			const kerberos = fakeKerberos();
			const site = new FakeIwaSite(ORIGIN);
			const auth = new ArcGISServerAuth();
			const s = createSession({auth});
			for (let index = 0; index < 20; index++) {
				await s.get(SERVICES).json();
			}

			assert.equal(site.unauthorized, 1);
			assert.equal(kerberos.contexts, 20);
			assert.deepEqual(new Set(site.authorizations.slice(1).map(header => header?.split(' ')[0])), new Set(['Negotiate']));
			assert.equal(new Set(site.authorizations.slice(1)).size, 20, 'every request its own token');
		});

		it('checks mutual authentication: a tampered server token fails under optional and required', async () => {
			for (const mutualAuth of ['optional', 'required'] as const) {
				nock.cleanAll();
				fakeKerberos();
				const site = new FakeIwaSite(ORIGIN);
				site.mutualToken = 'tampered';
				const auth = new ArcGISServerAuth(undefined, undefined, {mutualAuth});
				await assert.rejects(got(SERVICES, {hooks: auth.hooks}), webTierFailed(/mutual authentication failed: the token .* did not verify/));
				sinon.restore();
			}
		});

		it('requires the server token under mutualAuth: required, accepts its absence under optional, skips under disabled', async () => {
			fakeKerberos();
			const site = new FakeIwaSite(ORIGIN);
			site.mutualToken = undefined;
			await assert.rejects(got(SERVICES, {hooks: new ArcGISServerAuth(undefined, undefined, {mutualAuth: 'required'}).hooks}), webTierFailed(/sent no token/));
			assert.deepEqual(await got(SERVICES, {hooks: new ArcGISServerAuth().hooks}).json(), {ok: true});
			site.mutualToken = 'tampered';
			assert.deepEqual(await got(SERVICES, {hooks: new ArcGISServerAuth(undefined, undefined, {mutualAuth: 'disabled'}).hooks}).json(), {ok: true});
		});

		it('falls back to NTLM when Kerberos has no ticket', async () => {
			const kerberos = fakeKerberos();
			kerberos.first = () => {
				throw new Error('No Kerberos credentials available (default cache: FILE:/tmp/krb5cc_0)');
			};

			const site = new FakeIwaSite(ORIGIN);
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
			assert.deepEqual(types(site), ['none', 'ntlm1', 'ntlm3']);
		});

		// Issue 12, item 5: a site reached by IP address or an alias has no SPN in the KDC. The
		// first failing request used to switch the site to NTLM before the others failed, and
		// they then found no fallback "after NTLM" and threw.
		for (const [name, make, url] of [
			['ArcGISServerAuth', () => new ArcGISServerAuth('EXAMPLE\\alice', 'pw'), SERVICES],
			['ArcGISPortalAuth', () => new ArcGISPortalAuth('EXAMPLE\\alice', 'pw'), `${ORIGIN}/portal/sharing/rest/portals/self?f=json`],
		] as const) {
			it(`20 concurrent first requests on a site whose SPN the KDC does not know: all fall back to NTLM, after one Kerberos attempt (${name})`, async () => {
				const kerberos = fakeKerberos();
				kerberos.first = () => {
					throw new Error('Server HTTP/127.0.0.1@EXAMPLE.TEST not found in Kerberos database');
				};

				const site = new FakeIwaSite(ORIGIN);
				const auth = make();
				const results = await Promise.allSettled(Array.from({length: 20}, async () => got(url, {hooks: auth.hooks}).json()));
				assert.deepEqual(
					results.map(result => (result.status === 'fulfilled' ? result.value : (result.reason as Error).message)),
					Array.from({length: 20}, () => ({ok: true})),
				);
				assert.equal(kerberos.contexts, 1, 'the first attempt decided for all 20');
				assert.ok(!types(site).includes('Negotiate'), 'no Kerberos token was sent');
				assert.ok(site.handshakes >= 1);
			});
		}

		it('20 concurrent first requests with a working ticket: each waits for the first attempt, then sends its own token', async () => {
			const kerberos = fakeKerberos();
			const site = new FakeIwaSite(ORIGIN);
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			await Promise.all(Array.from({length: 20}, async () => got(SERVICES, {hooks: auth.hooks}).json()));
			assert.equal(kerberos.contexts, 20);
			const sent = site.authorizations.filter(header => header?.startsWith('Negotiate KRB-'));
			assert.equal(new Set(sent).size, 20, 'authenticators are single-use: one per request');
			assert.equal(site.handshakes, 0);
		});

		it('20 concurrent first requests, Kerberos failing and no NTLM to fall back on: one attempt, the same error for all; a later request tries again', async () => {
			const kerberos = fakeKerberos();
			kerberos.first = () => {
				throw new Error('No Kerberos credentials available');
			};

			new FakeIwaSite(ORIGIN);
			const auth = new ArcGISServerAuth();
			const results = await Promise.allSettled(Array.from({length: 20}, async () => got(SERVICES, {hooks: auth.hooks})));
			for (const result of results) {
				assert.equal(result.status, 'rejected');
				assert.ok(webTierFailed(/no usable Kerberos ticket/)(result.reason), String(result.reason));
			}

			assert.equal(kerberos.contexts, 1, 'one failing initialisation told all 20');
			// Not a kept verdict: after kinit, the next request gets a ticket.
			kerberos.first = () => `KRB-${kerberos.contexts}`;
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
		});

		it('names an SPN the KDC does not know as such, not as a missing ticket, when there is no NTLM to fall back on', async () => {
			const kerberos = fakeKerberos();
			kerberos.first = () => {
				throw new Error('Unspecified GSS failure.  Minor code may provide more information: Server HTTP/10.0.0.5@EXAMPLE.TEST not found in Kerberos database');
			};

			new FakeIwaSite(ORIGIN);
			await assert.rejects(
				got(SERVICES, {hooks: new ArcGISServerAuth().hooks}),
				(error: unknown) => webTierFailed(/the KDC does not know the service principal HTTP\/iwa\.example\.com .*option spn/)(error) && !/kinit/.test((error as Error).message),
			);
		});

		it('falls back to NTLM when the server rejects the Kerberos token', async () => {
			fakeKerberos();
			const site = new FakeIwaSite(ORIGIN);
			site.acceptKerberos = false;
			const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'pw');
			assert.deepEqual(await got(SERVICES, {hooks: auth.hooks}).json(), {ok: true});
			assert.deepEqual(types(site), ['none', 'Negotiate', 'ntlm1', 'ntlm3']);
		});

		it('names the cause when Kerberos fails and there is no NTLM to fall back on', async () => {
			const kerberos = fakeKerberos();
			kerberos.first = () => {
				throw new Error('No Kerberos credentials available');
			};

			new FakeIwaSite(ORIGIN);
			await assert.rejects(got(SERVICES, {hooks: new ArcGISServerAuth().hooks}), webTierFailed(/no usable Kerberos ticket \(run kinit/));
			nock.cleanAll();
			const site = new FakeIwaSite(ORIGIN);
			site.acceptKerberos = false;
			kerberos.first = () => `KRB-${kerberos.contexts}`;
			await assert.rejects(got(SERVICES, {hooks: new ArcGISServerAuth().hooks}), webTierFailed(/rejected the token \(is the SPN HTTP\/iwa\.example\.com registered/));
		});
	});

	it('warns, naming what is missing, and goes on anonymously when neither mechanism is possible', async () => {
		fakeKerberos(false);
		const site = new FakeIwaSite(ORIGIN);
		const auth = new ArcGISServerAuth();
		let error: unknown;
		const warnings = await captureWarnings(async () => {
			error = await got(SERVICES, {hooks: auth.hooks}).catch((error_: unknown) => error_);
		});
		assert.ok(error instanceof HTTPError && error.response.statusCode === 401, 'the 401 reaches the caller');
		assert.equal(warnings.length, 1);
		assert.match(warnings[0]!.message, /optional package 'kerberos'.*username and password/);
		assert.ok(site.authorizations.every(header => header === undefined));
	});

	it('answers a later 401 on a partly protected token site, retrying once', async () => {
		fakeKerberos(false);
		const tokenSite = new FakeSite(ORIGIN);
		let authorized = 0;
		tokenSite.resource = (seen, valid) => {
			const header = seen.headers.authorization as string | undefined;
			if (seen.path.startsWith('/arcgis/rest/services/Secure')) {
				if (ntlmType(header) === 1) {
					return {status: 401, body: '', headers: {'www-authenticate': `NTLM ${type2Message()}`}};
				}

				if (ntlmType(header) === 3) {
					authorized++;
					return {status: 200, body: {secure: true, valid}};
				}

				return {status: 401, body: '', headers: {'www-authenticate': 'NTLM'}};
			}

			return {status: 200, body: {ok: valid}};
		};

		const auth = new ArcGISServerAuth('EXAMPLE\\alice', 'right-password');
		assert.deepEqual(await got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks}).json(), {ok: true});
		assert.deepEqual(await got(`${ORIGIN}/arcgis/rest/services/Secure/MapServer?f=json`, {hooks: auth.hooks}).json(), {secure: true, valid: true});
		assert.equal(authorized, 1);
		assert.equal(tokenSite.tokenCalls, 1);
	});

	it('ArcGISPortalAuth probes sharing/rest/info and uses the web tier on a 401', async () => {
		fakeKerberos(false);
		const site = new FakeIwaSite(ORIGIN);
		const auth = new ArcGISPortalAuth('EXAMPLE\\alice', 'pw');
		assert.deepEqual(await got(`${ORIGIN}/portal/sharing/rest/portals/self?f=json`, {hooks: auth.hooks}).json(), {ok: true});
		assert.equal(site.handshakes, 1);
	});

	it('tells token-handler users which class to use on an IWA site', async () => {
		new FakeIwaSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'pw');
		await assert.rejects(
			got(INFO.replace('info', 'services'), {hooks: auth.hooks}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'DISCOVERY_FAILED' && /HTTP 401 \(negotiate, ntlm\).*Use ArcGISServerAuth/.test(error.message),
		);
	});
});
