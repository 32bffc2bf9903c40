import assert from 'node:assert/strict';
import {parseChallenges, readChallenges} from '../lib/web-tier/www-authenticate.js';
import {chooseMechanisms} from '../lib/web-tier/mechanism.js';
import {ntlmAuthenticate, ntlmIdentity, ntlmNegotiate} from '../lib/web-tier/ntlm-messages.js';
import {servicePrincipal} from '../lib/web-tier/kerberos.js';
import {TokenAuthenticationError} from '../lib/index.js';
import {ntlmType, type2Message} from './helpers/ntlm-fixtures.js';

describe('WWW-Authenticate parsing', () => {
	const schemes = (value: string) => parseChallenges(value).map(challenge => (challenge.token ? `${challenge.scheme} ${challenge.token}` : challenge.scheme));

	it("reads IIS's two headers from rawHeaders, and the same joined into one", () => {
		assert.deepEqual(
			readChallenges({rawHeaders: ['WWW-Authenticate', 'Negotiate', 'Server', 'Microsoft-IIS/10.0', 'WWW-Authenticate', 'NTLM']}).map(challenge => challenge.scheme),
			['negotiate', 'ntlm'],
		);
		assert.deepEqual(
			readChallenges({headers: {'www-authenticate': 'Negotiate, NTLM'}}).map(challenge => challenge.scheme),
			['negotiate', 'ntlm'],
		);
	});

	it('reads the data of Negotiate <token> and NTLM <token>, padding included', () => {
		assert.deepEqual(schemes('NTLM TlRMTVNTUAACAAAA=='), ['ntlm TlRMTVNTUAACAAAA==']);
		assert.deepEqual(schemes('Negotiate oYG3MIG0oAMKAQChCwYJKoZIgvcSAQIC+/='), ['negotiate oYG3MIG0oAMKAQChCwYJKoZIgvcSAQIC+/=']);
	});

	it('mixes with Basic and Bearer challenges whose parameters hold commas and quotes', () => {
		const parsed = parseChallenges('Basic realm="ArcGIS, Inc.", charset="UTF-8", Negotiate, Bearer realm="x", error="invalid_token", error_description="a \\"quoted\\" text", NTLM');
		assert.deepEqual(
			parsed.map(challenge => challenge.scheme),
			['basic', 'negotiate', 'bearer', 'ntlm'],
		);
		assert.equal(parsed[0]?.params.realm, 'ArcGIS, Inc.');
		assert.equal(parsed[0]?.params.charset, 'UTF-8');
		assert.equal(parsed[2]?.params.error_description, 'a "quoted" text');
	});

	it('accepts any case and extra spaces, and skips rubbish without throwing', () => {
		assert.deepEqual(schemes('  nEgOtIaTe  ,   ntlm   abc=  '), ['negotiate', 'ntlm abc=']);
		for (const value of ['', ',,,', '"unterminated', '=novalue', '\u0000', 'a'.repeat(10_000)]) {
			assert.doesNotThrow(() => parseChallenges(value));
		}
	});
});

describe('mechanism choice', () => {
	const offered = (value: string) => parseChallenges(value);
	const kinds = (result: ReturnType<typeof chooseMechanisms>) => result.order.map(mechanism => (mechanism.kind === 'ntlm' ? `ntlm:${mechanism.scheme}` : mechanism.kind));

	it('prefers Kerberos for Negotiate when the module is there, then NTLM with credentials', () => {
		assert.deepEqual(kinds(chooseMechanisms(offered('Negotiate, NTLM'), {kerberos: true, credentials: true})), ['kerberos', 'ntlm:NTLM']);
		assert.deepEqual(kinds(chooseMechanisms(offered('Negotiate, NTLM'), {kerberos: true, credentials: false})), ['kerberos']);
		assert.deepEqual(kinds(chooseMechanisms(offered('Negotiate, NTLM'), {kerberos: false, credentials: true})), ['ntlm:NTLM']);
	});

	it('uses raw NTLMSSP under Negotiate when the site offers only Negotiate', () => {
		assert.deepEqual(kinds(chooseMechanisms(offered('Negotiate'), {kerberos: false, credentials: true})), ['ntlm:Negotiate']);
	});

	it('names every missing piece when nothing can answer', () => {
		const none = chooseMechanisms(offered('Negotiate, NTLM'), {kerberos: false, credentials: false});
		assert.deepEqual(none.order, []);
		assert.match(none.missing.join('; '), /optional package 'kerberos'.*username and password/);
		assert.match(chooseMechanisms(offered('Basic realm="x", Bearer'), {kerberos: true, credentials: true}).missing.join(), /neither Negotiate nor NTLM \(it offers basic, bearer\)/);
		assert.match(chooseMechanisms([], {kerberos: true, credentials: true}).missing.join(), /no scheme at all/);
	});
});

describe('NTLM messages', () => {
	const url = new URL('https://gis.example.com/arcgis');

	it('splits DOMAIN\\user and user@domain', () => {
		assert.deepEqual(ntlmIdentity('EXAMPLE\\alice', 'WS1'), {domain: 'EXAMPLE', user: 'alice', workstation: 'WS1'});
		assert.deepEqual(ntlmIdentity('alice@example.test', 'WS1'), {user: 'alice', domain: 'example.test', workstation: 'WS1'});
		assert.deepEqual(ntlmIdentity('alice', 'WS1'), {user: 'alice', domain: '', workstation: 'WS1'});
	});

	it('sends a Type 1 with the Version field (gss-ntlmssp wants at least 40 bytes)', () => {
		const header = ntlmNegotiate(ntlmIdentity('EXAMPLE\\alice', 'WS1'));
		assert.equal(ntlmType(header), 1);
		assert.ok(Buffer.from(header.split(' ')[1]!, 'base64').length >= 40);
	});

	it('answers a Type 2 with an NTLMv2 Type 3 that names the user and never holds the password', () => {
		const header = ntlmAuthenticate(type2Message(), ntlmIdentity('EXAMPLE\\alice', 'WS1'), 'Secret-Pa55', url);
		assert.equal(ntlmType(header), 3);
		const bytes = Buffer.from(header.split(' ')[1]!, 'base64');
		assert.ok(bytes.includes(Buffer.from('alice', 'utf16le')));
		assert.ok(!bytes.includes(Buffer.from('Secret-Pa55', 'utf16le')) && !bytes.includes(Buffer.from('Secret-Pa55')));
		const ntLength = bytes.readUInt16LE(20);
		assert.ok(ntLength > 24, 'an NTLMv2 response is longer than the 24 bytes of v1');
	});

	for (const [name, challenge, pattern] of [
		['missing', undefined, /missing/],
		['not base64', 'not*base64!', /not base64/],
		['a wrong signature', Buffer.from('NOTNTLM\0'.padEnd(56, '\0')).toString('base64'), /not an NTLM Type 2/],
		['a Type 1 instead of a Type 2', ntlmNegotiate(ntlmIdentity('a', 'w')).split(' ')[1], /not an NTLM Type 2/],
		['truncated', type2Message({truncateTo: 40}), /truncated/],
		['truncated inside its target info', type2Message({truncateTo: 80}), /truncated/],
	] as const) {
		it(`fails clearly on a challenge that is ${name}`, () => {
			assert.throws(
				() => ntlmAuthenticate(challenge, ntlmIdentity('alice', 'w'), 'pw', url),
				(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED' && pattern.test(error.message),
			);
		});
	}
});

describe('Kerberos service name', () => {
	it('is HTTP@<host as typed>, without the port, and overridable', () => {
		assert.equal(servicePrincipal(new URL('https://GIS.example.com:6443/arcgis')), 'HTTP@gis.example.com');
		assert.equal(servicePrincipal(new URL('http://gis/arcgis'), 'HTTP@gis.example.com'), 'HTTP@gis.example.com');
	});
});
