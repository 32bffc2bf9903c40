/**
MD4 (RFC 1320), for the NT hash of a password (MD4 of its UTF-16LE bytes), which every NTLM
response is computed from. Written here because Node's `crypto` has no `md4` on OpenSSL 3 (Node 17
and later) unless the process runs with `--openssl-legacy-provider`, and because the emulator must
not check NTLM answers with the same code (httpntlm's js-md4) that the client computes them with:
a shared mistake would pass unseen. MD4 is broken as a hash; here it is only the protocol's.
*/
export function md4(input: Uint8Array): Buffer {
	// Padding: a 1 bit, zeros up to 56 bytes mod 64, then the length in bits as 64 bits little-endian.
	const blocks = Math.ceil((input.length + 9) / 64);
	const padded = Buffer.alloc(blocks * 64);
	padded.set(input);
	padded[input.length] = 0x80;
	const bits = input.length * 8;
	padded.writeUInt32LE(bits >>> 0, padded.length - 8);
	padded.writeUInt32LE(Math.floor(bits / 0x1_00_00_00_00), padded.length - 4);

	const state = [0x67_45_23_01, 0xef_cd_ab_89, 0x98_ba_dc_fe, 0x10_32_54_76];
	const words = new Array<number>(16);
	for (let offset = 0; offset < padded.length; offset += 64) {
		for (let index = 0; index < 16; index++) {
			words[index] = padded.readUInt32LE(offset + index * 4);
		}

		const [a0, b0, c0, d0] = state as [number, number, number, number];
		let [a, b, c, d] = [a0, b0, c0, d0];
		for (const round of ROUNDS) {
			for (let step = 0; step < 16; step++) {
				const mixed = (a + round.mix(b, c, d) + words[round.order[step]!]! + round.constant) | 0;
				const shift = round.shifts[step % 4]!;
				// Each step updates one of the four words, then the roles rotate: a ← d ← c ← b.
				[a, b, c, d] = [d, (mixed << shift) | (mixed >>> (32 - shift)), b, c];
			}
		}

		state[0] = (a0 + a) | 0;
		state[1] = (b0 + b) | 0;
		state[2] = (c0 + c) | 0;
		state[3] = (d0 + d) | 0;
	}

	const digest = Buffer.alloc(16);
	for (const [index, word] of state.entries()) {
		digest.writeInt32LE(word, index * 4);
	}

	return digest;
}

type Round = {mix: (x: number, y: number, z: number) => number; constant: number; order: readonly number[]; shifts: readonly number[]};

/** RFC 1320 §3.4: three rounds of 16 steps, each with its function, constant, word order and shifts. */
const ROUNDS: readonly Round[] = [
	{mix: (x, y, z) => (x & y) | (~x & z), constant: 0, order: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15], shifts: [3, 7, 11, 19]},
	{mix: (x, y, z) => (x & y) | (x & z) | (y & z), constant: 0x5a_82_79_99, order: [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15], shifts: [3, 5, 9, 13]},
	{mix: (x, y, z) => x ^ y ^ z, constant: 0x6e_d9_eb_a1, order: [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15], shifts: [3, 9, 11, 15]},
];
