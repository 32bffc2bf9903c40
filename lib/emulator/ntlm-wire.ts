/**
NTLMSSP messages as a server reads and writes them (MS-NLMP §2.2.1): the type of what a client
sent, the Type 2 challenge, and the fields of a Type 3. The client side (Type 1 and 3 out, Type 2
in) is httpntlm's, in lib/web-tier/ntlm-messages.ts.
*/

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/**
The Type 2 flags: Unicode, RequestTarget, NTLM, AlwaysSign, ExtendedSessionSecurity, TargetInfo,
Version, 128-bit, 56-bit. Extended session security with a target info block is what makes clients
(httpntlm, curl, Windows) answer NTLMv2, as they do to IIS on a current Windows Server.
*/
export const CHALLENGE_FLAGS = (0x00_00_00_01 | 0x00_00_00_04 | 0x00_00_02_00 | 0x00_00_80_00 | 0x00_08_00_00 | 0x00_80_00_00 | 0x02_00_00_00 | 0x20_00_00_00 | 0x80_00_00_00) >>> 0;

/** The NTLMSSP bytes of an `NTLM <base64>` or `Negotiate <base64>` value, if it holds NTLMSSP at all. */
export function ntlmBytes(token: string | undefined): Buffer | undefined {
	if (!token || !/^[A-Za-z0-9+/]+=*$/.test(token)) {
		return undefined;
	}

	const bytes = Buffer.from(token, 'base64');
	return bytes.length >= 12 && bytes.subarray(0, 8).equals(SIGNATURE) ? bytes : undefined;
}

/** The message type (1 negotiate, 2 challenge, 3 authenticate) of NTLMSSP bytes. */
export function ntlmMessageType(bytes: Buffer): number {
	return bytes.readUInt32LE(8);
}

/** A `(length, max length, offset)` field of a message. */
function field(bytes: Buffer, at: number): Buffer | undefined {
	const length = bytes.readUInt16LE(at);
	const offset = bytes.readUInt32LE(at + 4);
	return offset + length <= bytes.length ? bytes.subarray(offset, offset + length) : undefined;
}

/** An AV pair of the target info block (MS-NLMP §2.2.2.1). */
function avPair(id: number, value: Buffer): Buffer {
	const head = Buffer.alloc(4);
	head.writeUInt16LE(id, 0);
	head.writeUInt16LE(value.length, 2);
	return Buffer.concat([head, value]);
}

/**
A Type 2 (challenge) message: the server's 8-byte challenge, the domain as target name, and a
target info block naming the domain and the computer (NetBIOS names), ended by MsvAvEOL.
*/
export function challengeMessage(challenge: Buffer, {domain, computer, flags = CHALLENGE_FLAGS}: {domain: string; computer: string; flags?: number}): Buffer {
	const targetName = Buffer.from(domain, 'utf16le');
	const targetInfo = Buffer.concat([avPair(2, Buffer.from(domain, 'utf16le')), avPair(1, Buffer.from(computer, 'utf16le')), avPair(0, Buffer.alloc(0))]);
	const header = Buffer.alloc(56);
	SIGNATURE.copy(header, 0);
	header.writeUInt32LE(2, 8);
	header.writeUInt16LE(targetName.length, 12);
	header.writeUInt16LE(targetName.length, 14);
	header.writeUInt32LE(header.length, 16);
	header.writeUInt32LE(flags >>> 0, 20);
	challenge.copy(header, 24, 0, 8);
	header.writeUInt16LE(targetInfo.length, 40);
	header.writeUInt16LE(targetInfo.length, 42);
	header.writeUInt32LE(header.length + targetName.length, 44);
	// Version (offset 48): 10.0, build 17763 (Windows Server 2019), NTLM revision 15.
	header.writeUInt8(10, 48);
	header.writeUInt16LE(17_763, 50);
	header.writeUInt8(15, 55);
	return Buffer.concat([header, targetName, targetInfo]);
}

/** What a Type 3 (authenticate) message says: who, and the two challenge responses. */
export type Authenticate = {user: string; domain: string; workstation: string; lmResponse: Buffer; ntResponse: Buffer};

/**
The fields of a Type 3 message, or undefined when it is truncated or a field points outside it.
Names are UTF-16LE when the message's flags say Unicode, else the OEM code page (read as latin1).
*/
export function readAuthenticate(bytes: Buffer): Authenticate | undefined {
	if (bytes.length < 64 || ntlmMessageType(bytes) !== 3) {
		return undefined;
	}

	const [lmResponse, ntResponse, domain, user, workstation] = [12, 20, 28, 36, 44].map(at => field(bytes, at));
	if (!lmResponse || !ntResponse || !domain || !user || !workstation) {
		return undefined;
	}

	const encoding = bytes.readUInt32LE(60) & 0x00_00_00_01 ? 'utf16le' : 'latin1';
	return {user: user.toString(encoding), domain: domain.toString(encoding), workstation: workstation.toString(encoding), lmResponse, ntResponse};
}
