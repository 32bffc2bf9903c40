import {createHash, randomBytes} from 'node:crypto';

/** RFC 7636's base64url without padding. */
function base64url(bytes: Buffer): string {
	return bytes.toString('base64url');
}

/** What one sign-in proves itself with: the PKCE verifier (kept), its S256 challenge (sent), and the `state` (checked on return). */
export type SignInSecrets = {
	readonly verifier: string;
	readonly challenge: string;
	readonly state: string;
};

/**
A fresh verifier (32 random bytes: 43 characters, RFC 7636's recommendation), its S256 challenge,
and a random state — from node:crypto, never Math.random.
*/
export function signInSecrets(): SignInSecrets {
	const verifier = base64url(randomBytes(32));
	return {verifier, challenge: base64url(createHash('sha256').update(verifier).digest()), state: base64url(randomBytes(16))};
}
