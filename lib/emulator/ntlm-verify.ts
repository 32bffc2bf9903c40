import {createHmac, timingSafeEqual} from 'node:crypto';
import {md4} from './md4.js';
import type {Authenticate} from './ntlm-wire.js';

/** The NT hash of a password (NTOWFv1, MS-NLMP §3.3.1): MD4 of its UTF-16LE bytes. */
export function ntHash(password: string): Buffer {
	return md4(Buffer.from(password, 'utf16le'));
}

const hmacMd5 = (key: Buffer, ...data: Buffer[]): Buffer => createHmac('md5', key).update(Buffer.concat(data)).digest();

/**
NTOWFv2 (MS-NLMP §3.3.2): HMAC-MD5 keyed by the NT hash over the upper-cased user name and the
domain, both as the client sent them (a client that typed `Demo` upper-cases it itself).
*/
export function ntowfV2(password: string, user: string, domain: string): Buffer {
	return hmacMd5(ntHash(password), Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}

/**
The NTProofStr of an NTLMv2 response: HMAC-MD5 keyed by NTOWFv2 over the server's challenge and
the client's blob (its timestamp, client challenge and the target info it echoes).
*/
export function ntProof(password: string, user: string, domain: string, serverChallenge: Buffer, blob: Buffer): Buffer {
	return hmacMd5(ntowfV2(password, user, domain), serverChallenge, blob);
}

/**
Whether a Type 3's NT response proves `password` for the challenge this connection was sent: an
NTLMv2 response (16-byte proof, then a blob starting 0x01 0x01) only. A 24-byte NTLMv1 or NTLM2
session response is refused, as a domain does that sends and accepts NTLMv2 alone (LAN Manager
authentication level 5, the hardening guides' setting); clients send v2 to this emulator's
challenge, which offers the target info v2 needs.
*/
export function provesPassword(message: Authenticate, password: string, serverChallenge: Buffer): boolean {
	const response = message.ntResponse;
	if (response.length < 16 + 28 || response[16] !== 0x01 || response[17] !== 0x01) {
		return false;
	}

	const expected = ntProof(password, message.user, message.domain, serverChallenge, response.subarray(16));
	return timingSafeEqual(expected, response.subarray(0, 16));
}

/**
The emulator account a Type 3 names: its user name compared case-insensitively, as Windows compares
account names, in any domain (the emulator has one set of users). Undefined for an unknown name or
an empty (anonymous) one.
*/
export function accountNamed(message: Authenticate, users: ReadonlyMap<string, string>): string | undefined {
	const wanted = message.user.toLowerCase();
	return wanted === '' ? undefined : [...users.keys()].find(candidate => candidate.toLowerCase() === wanted);
}
