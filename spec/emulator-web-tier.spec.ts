import assert from 'node:assert/strict';
import {Agent} from 'node:http';
import got, {type Got} from 'got';
import sinon from 'sinon';
import {ArcGISPortalAuth, ArcGISServerAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {forgetKerberosModule} from '../lib/web-tier/kerberos.js';
import {ntlmAuthenticate, ntlmIdentity, ntlmNegotiate} from '../lib/web-tier/ntlm-messages.js';
import {useEmulator} from './helpers/emulator.js';
import {fakeKerberos} from './helpers/fake-iwa.js';
import {withoutNock} from './helpers/local-site.js';

const USERS = {demo: 'demo1234', alice: 'alice-secret-1'};

/** A client of its own on one keep-alive socket: what a handshake by hand needs (Type 1 and 3 on one connection). */
function oneConnection(): {http: Got; agent: Agent} {
	const agent = new Agent({keepAlive: true, maxSockets: 1});
	return {agent, http: got.extend({agent: {http: agent}, throwHttpErrors: false, retry: {limit: 0}})};
}

const challengeOf = (header: string | string[] | undefined) => String(header).replace(/^(NTLM|Negotiate) /, '');

describe('the emulator web tier checks NTLM logins (IIS, anonymous off)', () => {
	withoutNock();
	const emu = useEmulator({webTier: 'negotiate-ntlm', users: USERS}, {each: true});
	const self = (auth: ArcGISPortalAuth | ArcGISServerAuth) => got(`${emu.portalUrl}/sharing/rest/community/self?f=json`, {hooks: auth.hooks}).json<{username: string}>();
	beforeEach(() => {
		// No Kerberos here, whatever the machine has: the client speaks NTLM under Negotiate.
		fakeKerberos(false);
	});
	afterEach(() => {
		sinon.restore();
		forgetKerberosModule();
	});

	it('serves the right password as that user, and a second user as the second user', async () => {
		assert.equal((await self(new ArcGISPortalAuth('demo', 'demo1234'))).username, 'demo');
		assert.equal((await self(new ArcGISPortalAuth('alice', 'alice-secret-1'))).username, 'alice');
		assert.equal(emu.stats.counts['webTier.ntlmAccepted'], 2);
		assert.equal(emu.stats.counts['webTier.ntlmRefused'], undefined);
	});

	it('matches the user name case-insensitively, with or without a domain, as Windows does', async () => {
		assert.equal((await self(new ArcGISPortalAuth('EXAMPLE\\Alice', 'alice-secret-1'))).username, 'alice');
		assert.equal((await self(new ArcGISPortalAuth('DEMO@example.test', 'demo1234'))).username, 'demo');
	});

	it('refuses a wrong password: the handler fails with WEB_TIER_FAILED, one refusal counted, the password nowhere', async () => {
		const error = await self(new ArcGISServerAuth('alice', 'Wrong-Pa55word')).then(
			() => assert.fail('a wrong password got in'),
			(error: unknown) => error,
		);
		assert.ok(error instanceof TokenAuthenticationError);
		assert.equal(error.code, 'WEB_TIER_FAILED');
		assert.equal(
			error.message,
			`ArcGISServerAuth: NTLM login to ${new URL(emu.url).host} was rejected for alice: wrong password, unknown user or wrong domain. It is not tried again (accounts lock); call auth.reset() after fixing the credentials.`,
		);
		assert.equal(emu.stats.counts['webTier.ntlmRefused'], 1);
		assert.equal(emu.stats.counts['webTier.ntlmAccepted'], undefined);
		assert.equal(emu.stats.failedLogins, 1);
		assert.ok(!JSON.stringify(emu.stats).includes('Wrong-Pa55word'));
	});

	it('refuses an unknown user, even with a known password', async () => {
		await assert.rejects(
			self(new ArcGISPortalAuth('mallory', 'demo1234')),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED' && /rejected for mallory/.test(error.message),
		);
		assert.equal(emu.stats.counts['webTier.ntlmRefused'], 1);
	});

	it("ten concurrent requests with a wrong password cost the account one refused login (the handler's lockout-safe first login)", async () => {
		const auth = new ArcGISPortalAuth('alice', 'Wrong-Pa55word');
		const results = await Promise.allSettled(Array.from({length: 10}, async () => self(auth)));
		assert.deepEqual(new Set(results.map(result => result.status)), new Set(['rejected']));
		assert.equal(emu.stats.counts['webTier.ntlmRefused'], 1);
		assert.equal(emu.stats.counts['webTier.ntlmChallenge'], 1);
	});

	it('counts NTLM failures towards lockoutAfter, as Active Directory does: then even the right password is refused', async () => {
		emu.setOptions({lockoutAfter: 2});
		for (let attempt = 0; attempt < 2; attempt++) {
			await assert.rejects(self(new ArcGISPortalAuth('alice', 'Wrong-Pa55word')), /rejected for alice/);
		}

		await assert.rejects(self(new ArcGISPortalAuth('alice', 'alice-secret-1')), /rejected for alice/);
		assert.equal(emu.stats.counts['webTier.ntlmRefused'], 3);
		assert.equal((await self(new ArcGISPortalAuth('demo', 'demo1234'))).username, 'demo', 'another account is not locked');
	});

	it('keeps a keep-alive connection signed in: later requests without Authorization are served as its user', async () => {
		const s = createSession({auth: new ArcGISPortalAuth('alice', 'alice-secret-1')});
		for (let index = 0; index < 3; index++) {
			assert.equal((await s.get(`${emu.portalUrl}/sharing/rest/community/self?f=json`).json<{username: string}>()).username, 'alice');
		}

		const served = emu.stats.log.filter(entry => entry.status === 200);
		assert.equal(served.length, 3);
		assert.equal(new Set(served.map(entry => entry.remotePort)).size, 1, 'one connection');
		assert.equal(emu.stats.counts['webTier.ntlmChallenge'], 1, 'one handshake');
		assert.equal(emu.stats.counts['webTier.ntlmAccepted'], 1);
	});

	it('by hand: a Type 3 answers the Type 2 of its own connection only, and only once', async () => {
		const url = `${emu.portalUrl}/sharing/rest/community/self?f=json`;
		const identity = ntlmIdentity('alice', 'WORKSTATION');
		const first = oneConnection();
		const other = oneConnection();
		try {
			const challenged = await first.http(url, {headers: {authorization: ntlmNegotiate(identity)}});
			assert.equal(challenged.statusCode, 401);
			const type3 = ntlmAuthenticate(challengeOf(challenged.headers['www-authenticate']), identity, 'alice-secret-1', new URL(url));
			const elsewhere = await other.http(url, {headers: {authorization: type3}});
			assert.equal(elsewhere.statusCode, 401, 'another connection has no challenge to answer');
			assert.deepEqual(elsewhere.headersDistinct['www-authenticate'], ['Negotiate', 'NTLM']);
			assert.equal(emu.stats.counts['webTier.ntlmRefused'], 1);

			// The same connection again, a fresh challenge: the right answer signs it in.
			const again = await first.http(url, {headers: {authorization: ntlmNegotiate(identity)}});
			const answered = await first.http(url, {headers: {authorization: ntlmAuthenticate(challengeOf(again.headers['www-authenticate']), identity, 'alice-secret-1', new URL(url))}});
			assert.equal(answered.statusCode, 200);
			assert.equal((JSON.parse(answered.body) as {username: string}).username, 'alice');
			assert.equal((await first.http(url)).statusCode, 200, 'signed in: no header needed');
			assert.equal((await other.http(url)).statusCode, 401, 'the other connection is not');
			// A replayed Type 3 has no challenge left to answer; it also ends the connection's sign-in.
			assert.equal((await first.http(url, {headers: {authorization: type3}})).statusCode, 401);
			assert.equal(emu.stats.counts['webTier.ntlmRefused'], 2);
		} finally {
			first.agent.destroy();
			other.agent.destroy();
		}
	});

	it('answers NTLM under the scheme the client used: Negotiate in, Negotiate out', async () => {
		const {http, agent} = oneConnection();
		try {
			const response = await http(`${emu.serverUrl}/rest/info?f=json`, {headers: {authorization: ntlmNegotiate(ntlmIdentity('demo')).replace(/^NTLM /, 'Negotiate ')}});
			assert.equal(response.statusCode, 401);
			assert.match(String(response.headers['www-authenticate']), /^Negotiate TlRMTVNTUAAC/);
		} finally {
			agent.destroy();
		}
	});

	it('refuses a Kerberos token with 401 (it has no keytab to check one with), counted apart', async () => {
		const response = await got(`${emu.serverUrl}/rest/info?f=json`, {headers: {authorization: 'Negotiate YIIGhgYJKoZIhvcSAQICAQBuggZ1MIIGcaADAgEF'}, throwHttpErrors: false});
		assert.equal(response.statusCode, 401);
		assert.deepEqual(response.headersDistinct['www-authenticate'], ['Negotiate', 'NTLM']);
		assert.equal(emu.stats.counts['webTier.kerberosRefused'], 1);
	});

	it('refuses other schemes (Basic, Bearer) as IIS with Windows authentication alone does', async () => {
		for (const authorization of ['Basic ZGVtbzpkZW1vMTIzNA==', `Bearer ${emu.issueToken('demo').token}`]) {
			const response = await got(`${emu.portalUrl}/sharing/rest/community/self?f=json`, {headers: {authorization}, throwHttpErrors: false});
			assert.equal(response.statusCode, 401, authorization.split(' ')[0]);
		}
	});
});
