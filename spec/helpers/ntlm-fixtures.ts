import {challengeMessage} from '../../lib/emulator/ntlm-wire.js';

/**
A well-formed NTLM Type 2 (challenge) message as a server sends it, made by the emulator's own
builder (one place decides the Type 2's shape): flags offering NTLMv2 (extended session security +
target info), the fixed challenge 0123456789abcdef, domain EXAMPLE. `flags` replaces the flags,
`truncateTo` cuts the message short, for specs of malformed challenges.
*/
export function type2Message(options: {flags?: number; truncateTo?: number} = {}): string {
	const message = challengeMessage(Buffer.from('0123456789abcdef', 'hex'), {domain: 'EXAMPLE', computer: 'SERVER', ...(options.flags === undefined ? {} : {flags: options.flags})});
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
