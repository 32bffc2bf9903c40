import assert from 'node:assert/strict';
import {md4} from '../lib/emulator/md4.js';
import {accountNamed, ntHash, ntowfV2, ntProof, provesPassword} from '../lib/emulator/ntlm-verify.js';
import {challengeMessage, ntlmBytes, readAuthenticate, type Authenticate} from '../lib/emulator/ntlm-wire.js';
import {ntlmAuthenticate, ntlmIdentity} from '../lib/web-tier/ntlm-messages.js';

const hex = (value: string) => Buffer.from(value.replaceAll(' ', ''), 'hex');

/**
MS-NLMP §4.2.1 and §4.2.4's published values: user "User", domain "Domain", password "Password",
server challenge 0123456789abcdef, client challenge aa×8, time 0, the target info naming domain
"Domain" and server "Server".
*/
const VECTOR = {
	user: 'User',
	domain: 'Domain',
	password: 'Password',
	serverChallenge: hex('01 23 45 67 89 ab cd ef'),
	targetInfo: Buffer.concat([hex('02 00 0c 00'), Buffer.from('Domain', 'utf16le'), hex('01 00 0c 00'), Buffer.from('Server', 'utf16le'), hex('00 00 00 00')]),
};
const blob = Buffer.concat([hex('01 01 00 00 00 00 00 00'), Buffer.alloc(8), Buffer.alloc(8, 0xaa), Buffer.alloc(4), VECTOR.targetInfo, Buffer.alloc(4)]);
const vectorMessage = (ntResponse: Buffer, user = VECTOR.user): Authenticate => ({user, domain: VECTOR.domain, workstation: 'COMPUTER', lmResponse: Buffer.alloc(24), ntResponse});
const PROOF = hex('68 cd 0a b8 51 e5 1c 96 aa bc 92 7b eb ef 6a 1c');

describe('the emulator NTLM verifier', () => {
	it('MD4 gives RFC 1320 §A.5 test suite digests (one block, two blocks, 80 bytes)', () => {
		const suite: Array<[string, string]> = [
			['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
			['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
			['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
			['message digest', 'd9130a8164549fe818874806e1c7014b'],
			['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
			['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
			['1234567890'.repeat(8), 'e33b4ddc9c38f2199c3e7b164fcc0536'],
		];
		for (const [input, digest] of suite) {
			assert.equal(md4(Buffer.from(input, 'latin1')).toString('hex'), digest, JSON.stringify(input));
		}
	});

	it('computes MS-NLMP §4.2.4 NTOWFv1, NTOWFv2 and NTProofStr from the published values', () => {
		assert.deepEqual(ntHash(VECTOR.password), hex('a4 f4 9c 40 65 10 bd ca b6 82 4e e7 c3 0f d8 52'));
		assert.deepEqual(ntowfV2(VECTOR.password, VECTOR.user, VECTOR.domain), hex('0c 86 8a 40 3b fd 7a 93 a3 00 1e f2 2e f0 2e 3f'));
		assert.deepEqual(ntProof(VECTOR.password, VECTOR.user, VECTOR.domain, VECTOR.serverChallenge, blob), PROOF);
	});

	it('accepts the §4.2.4 NTLMv2 response for its password and challenge only', () => {
		const message = vectorMessage(Buffer.concat([PROOF, blob]));
		assert.equal(provesPassword(message, 'Password', VECTOR.serverChallenge), true);
		assert.equal(provesPassword(message, 'password', VECTOR.serverChallenge), false, 'passwords are case-sensitive');
		assert.equal(provesPassword(message, 'Password', hex('01 23 45 67 89 ab cd ee')), false, 'another challenge');
		const tampered = Buffer.concat([PROOF, blob]);
		tampered[40] = 0xab;
		assert.equal(provesPassword(vectorMessage(tampered), 'Password', VECTOR.serverChallenge), false, 'a changed blob');
	});

	it('refuses NTLMv1 and NTLM2 session responses (24 bytes) and short ones, whatever the password', () => {
		for (const length of [0, 16, 24, 43]) {
			assert.equal(provesPassword(vectorMessage(Buffer.alloc(length, 1)), 'Password', VECTOR.serverChallenge), false, `${length} bytes`);
		}
	});

	it('names the emulator account case-insensitively, in any domain, and none for an unknown or empty name', () => {
		const users = new Map([['user', 'Password']]);
		assert.equal(accountNamed(vectorMessage(Buffer.concat([PROOF, blob])), users), 'user');
		assert.equal(accountNamed({...vectorMessage(Buffer.alloc(0)), domain: 'ELSEWHERE'}, users), 'user');
		assert.equal(accountNamed(vectorMessage(Buffer.alloc(0), 'Someone'), users), undefined);
		assert.equal(accountNamed(vectorMessage(Buffer.alloc(0), ''), new Map([['', 'Password']])), undefined);
	});

	it("reads and verifies the Type 3 our client (httpntlm) makes for the emulator's Type 2", () => {
		const challenge = hex('11 22 33 44 55 66 77 88');
		const type2 = challengeMessage(challenge, {domain: 'EMULATOR', computer: 'ARCGIS'}).toString('base64');
		const type3 = ntlmAuthenticate(type2, ntlmIdentity('EXAMPLE\\Demo', 'WS1'), 'demo1234', new URL('http://127.0.0.1/'));
		const message = readAuthenticate(ntlmBytes(type3.replace(/^NTLM /, ''))!);
		assert.ok(message);
		assert.deepEqual({user: message.user, domain: message.domain, workstation: message.workstation}, {user: 'Demo', domain: 'EXAMPLE', workstation: 'WS1'});
		assert.ok(message.ntResponse.length > 24, 'an NTLMv2 response');
		assert.equal(accountNamed(message, new Map([['demo', 'demo1234']])), 'demo');
		assert.equal(provesPassword(message, 'demo1234', challenge), true);
		assert.equal(provesPassword(message, 'demo12345', challenge), false);
	});

	it('reads no Type 3 from a truncated message or one whose fields point outside it', () => {
		const challenge = hex('11 22 33 44 55 66 77 88');
		const type3 = ntlmAuthenticate(challengeMessage(challenge, {domain: 'D', computer: 'C'}).toString('base64'), ntlmIdentity('demo', 'WS'), 'demo1234', new URL('http://127.0.0.1/'));
		const bytes = ntlmBytes(type3.replace(/^NTLM /, ''))!;
		assert.equal(readAuthenticate(bytes.subarray(0, 63)), undefined);
		assert.equal(readAuthenticate(bytes.subarray(0, bytes.length - 1)), undefined);
		assert.equal(ntlmBytes('not base64!'), undefined);
		assert.equal(ntlmBytes(Buffer.from('YIIGhgYJKoZIhvcSAQICAQBu').toString('base64')), undefined, 'a Kerberos token is not NTLMSSP');
	});
});
