/**
A well-formed NTLM Type 2 (challenge) message as a server sends it: signature, type, target name,
flags offering NTLMv2 (extended session security + target info), an 8-byte challenge, and a target
info block. Built here so specs exercise the real Type 3 computation without a Windows server.
*/
export function type2Message(options: {flags?: number; truncateTo?: number} = {}): string {
	const targetName = Buffer.from('EXAMPLE', 'utf16le');
	const avDomain = Buffer.from('EXAMPLE', 'utf16le');
	const targetInfo = Buffer.concat([
		Buffer.from([0x02, 0x00]),
		Buffer.from([avDomain.length, 0x00]),
		avDomain, // MsvAvNbDomainName
		Buffer.from([0x00, 0x00, 0x00, 0x00]), // MsvAvEOL
	]);
	const header = Buffer.alloc(56);
	header.write('NTLMSSP\0', 0, 'latin1');
	header.writeUInt32LE(2, 8);
	header.writeUInt16LE(targetName.length, 12);
	header.writeUInt16LE(targetName.length, 14);
	header.writeUInt32LE(56, 16);
	// Unicode | RequestTarget | NTLM | AlwaysSign | ExtendedSessionSecurity | TargetInfo | Version | 128 | 56
	header.writeUInt32LE((options.flags ?? 0x00000001 | 0x00000004 | 0x00000200 | 0x00008000 | 0x00080000 | 0x00800000 | 0x02000000 | 0x20000000 | 0x80000000) >>> 0, 20);
	Buffer.from('0123456789abcdef', 'hex').copy(header, 24);
	header.writeUInt16LE(targetInfo.length, 40);
	header.writeUInt16LE(targetInfo.length, 42);
	header.writeUInt32LE(56 + targetName.length, 44);
	const message = Buffer.concat([header, targetName, targetInfo]);
	return (options.truncateTo === undefined ? message : message.subarray(0, options.truncateTo)).toString('base64');
}

/** The NTLM message type (1, 2 or 3) inside an `NTLM <base64>` or `Negotiate <base64>` header. */
export function ntlmType(header: string | undefined): number | undefined {
	const token = header?.split(' ')[1];
	if (!token) {
		return undefined;
	}

	const bytes = Buffer.from(token, 'base64');
	return bytes.subarray(0, 8).toString('latin1') === 'NTLMSSP\0' ? bytes.readUInt32LE(8) : undefined;
}
