/**
The few ASN.1 DER encodings an X.509 certificate needs (ITU-T X.690), so the emulator can make its
certificate with node:crypto alone.
*/

function length(size: number): Buffer {
	if (size < 0x80) {
		return Buffer.from([size]);
	}

	const bytes: number[] = [];
	for (let rest = size; rest > 0; rest = Math.floor(rest / 256)) {
		bytes.unshift(rest % 256);
	}

	return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** Tag, length, contents. */
export function tlv(tag: number, ...contents: Buffer[]): Buffer {
	const body = Buffer.concat(contents);
	return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(0x30, ...items);

export const set = (...items: Buffer[]): Buffer => tlv(0x31, ...items);

export const boolean = (value: boolean): Buffer => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));

/** A non-negative INTEGER from its big-endian bytes: minimal, with a 0x00 in front when the top bit is set. */
export function unsignedInteger(bytes: Buffer): Buffer {
	let start = 0;
	while (start < bytes.length - 1 && bytes[start] === 0) {
		start++;
	}

	const trimmed = bytes.subarray(start);
	return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export const smallInteger = (value: number): Buffer => unsignedInteger(Buffer.from([value]));

export function objectIdentifier(dotted: string): Buffer {
	const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
	const bytes = [first * 40 + second];
	for (const arc of rest) {
		const base128 = [arc & 0x7f];
		for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
			base128.unshift(0x80 | (value & 0x7f));
		}

		bytes.push(...base128);
	}

	return tlv(0x06, Buffer.from(bytes));
}

export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));

export const octetString = (bytes: Buffer): Buffer => tlv(0x04, bytes);

/** A BIT STRING of whole bytes, or of named bits when `unusedBits` says how many trailing bits do not count. */
export const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(0x03, Buffer.from([unusedBits]), bytes);

/** UTCTime for years before 2050 and GeneralizedTime after, as RFC 5280 §4.1.2.5 requires. */
export function time(date: Date): Buffer {
	const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
	const year = date.getUTCFullYear();
	return year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}

/** `[n] EXPLICIT`: a constructed context-specific wrapper. */
export const explicit = (tagNumber: number, inner: Buffer): Buffer => tlv(0xa0 | tagNumber, inner);

/** `[n] IMPLICIT` of a primitive type: the contents under a context-specific tag. */
export const implicit = (tagNumber: number, contents: Buffer): Buffer => tlv(0x80 | tagNumber, contents);
