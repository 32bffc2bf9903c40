import {createRequire} from 'node:module';
import {hostname} from 'node:os';
import {TokenAuthenticationError} from '../errors.js';

/** httpntlm's message functions (it ships no types). */
type Type2Message = {negotiateFlags: number; serverChallenge: Buffer; targetInfo?: Buffer};
type MessageOptions = {username?: string; password?: string; domain?: string; workstation?: string};
type HttpNtlmMessages = {
	createType1Message(options: MessageOptions): string;
	parseType2Message(header: string, onError: (error: Error) => void): Type2Message | null;
	createType3Message(type2: Type2Message, options: MessageOptions): string;
};

let loaded: HttpNtlmMessages | undefined;

/**
httpntlm, loaded on the first NTLM message rather than at import: it (with its MD4 and DES code)
adds about 15 ms to every `import 'got-arcgis-auth'`, and most programs never meet an IWA site.
It is CommonJS, so a synchronous require keeps these functions synchronous; the message functions
live in httpntlm/ntlm.js, apart from its HTTP client.
*/
function ntlm(): HttpNtlmMessages {
	loaded ??= createRequire(import.meta.url)('httpntlm/ntlm.js') as HttpNtlmMessages;
	return loaded;
}

export type NtlmIdentity = {user: string; domain: string; workstation: string};

/**
`DOMAIN\user` → domain `DOMAIN`, user `user`; `user@domain` → user `user`, domain as given; a bare
name has no domain (the server's default applies).
*/
export function ntlmIdentity(username: string, workstation?: string): NtlmIdentity {
	const station = workstation ?? hostname().split('.')[0] ?? '';
	const backslash = username.indexOf('\\');
	if (backslash !== -1) {
		return {domain: username.slice(0, backslash), user: username.slice(backslash + 1), workstation: station};
	}

	const at = username.lastIndexOf('@');
	if (at > 0) {
		return {user: username.slice(0, at), domain: username.slice(at + 1), workstation: station};
	}

	return {user: username, domain: '', workstation: station};
}

/** An NTLM message as an Authorization value under the scheme the server offered: `NTLM …`, or the same NTLMSSP bytes under `Negotiate` (httpntlm writes `NTLM <base64>`). */
export function underScheme(scheme: string, message: string): string {
	return `${scheme} ${message.replace(/^NTLM /, '')}`;
}

/** The first leg: `NTLM <base64 Type 1>` (with the Version field: gss-ntlmssp rejects short ones). */
export function ntlmNegotiate(identity: NtlmIdentity): string {
	return ntlm().createType1Message({domain: identity.domain, workstation: identity.workstation});
}

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/**
The third leg, from the server's Type 2 challenge. The challenge is checked first (base64,
signature, type, length): httpntlm reads offsets blindly and would throw a RangeError or read
garbage from a truncated one.
*/
export function ntlmAuthenticate(challenge: string | undefined, identity: NtlmIdentity, password: string, url: URL): string {
	const bad = (reason: string) => new TokenAuthenticationError('WEB_TIER_FAILED', `NTLM authentication to ${url.host} failed: the server's challenge ${reason}.`, {url});
	if (!challenge || !/^[A-Za-z0-9+/]+=*$/.test(challenge)) {
		throw bad(challenge ? 'is not base64' : 'is missing (a 401 without NTLM data)');
	}

	const bytes = Buffer.from(challenge, 'base64');
	if (bytes.length < 32 || !bytes.subarray(0, 8).equals(SIGNATURE) || bytes.readUInt32LE(8) !== 2) {
		throw bad('is not an NTLM Type 2 message');
	}

	// NTLMv2 needs the target info block (offsets 40–47); without it httpntlm would fall back to v1.
	if (bytes.length < 48) {
		throw bad('is truncated');
	}

	{
		const infoLength = bytes.readUInt16LE(40);
		const infoOffset = bytes.readUInt32LE(44);
		const targetLength = bytes.readUInt16LE(14);
		const targetOffset = bytes.readUInt32LE(16);
		if (infoOffset + infoLength > bytes.length || targetOffset + targetLength > bytes.length) {
			throw bad('is truncated');
		}
	}

	let parseError: Error | undefined;
	const type2 = ntlm().parseType2Message(`NTLM ${challenge}`, error => {
		parseError = error;
	});
	if (!type2 || parseError) {
		throw bad(`could not be read (${parseError?.message ?? 'unknown'})`);
	}

	return ntlm().createType3Message(type2, {username: identity.user, password, domain: identity.domain, workstation: identity.workstation});
}
