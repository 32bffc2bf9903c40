import {createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes} from 'node:crypto';
import {invalidOption} from '../errors.js';

/** Key material: at least 32 bytes (a Buffer), or a string of at least 32 characters (e.g. `openssl rand -base64 32`). */
export type EncryptionKey = string | Uint8Array;

const VERSION = 'gaa1';
const MIN_KEY_BYTES = 32;

type DerivedKey = {readonly id: string; readonly key: Buffer};

/**
AES-256-GCM for values at rest. Each key given is stretched with HKDF-SHA256 into the AES key (so a
long passphrase or 32 random bytes both work) and named by a short id derived from it, which a
sealed value carries: the first key seals, every key opens — rotation is giving the new key first
and the old one after it until the old values have expired (a token lives at most its lifetime, a
refused login `failureTtl`). The value is bound to its store key as additional data: a value moved
to another key (another user's) does not open.

Sealed: `gaa1.<key id>.<iv>.<ciphertext>.<tag>`, base64url, a fresh 96-bit IV each time.
*/
export class Sealer {
	readonly #keys: DerivedKey[];

	constructor(keys: readonly EncryptionKey[]) {
		if (keys.length === 0) {
			throw invalidOption('encryptionKey must be given (a string of at least 32 characters or 32 bytes, or a list of them, the current one first).');
		}

		this.#keys = keys.map((material, index) => derive(material, index));
	}

	seal(storeKey: string, plaintext: string): string {
		const {id, key} = this.#keys[0]!;
		const iv = randomBytes(12);
		const cipher = createCipheriv('aes-256-gcm', key, iv);
		cipher.setAAD(Buffer.from(`${VERSION}|${storeKey}`));
		const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
		return [VERSION, id, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
	}

	/** The plaintext, or undefined for a value that is not sealed by one of the keys for this store key (tampered, moved, an unknown key). */
	open(storeKey: string, sealed: string): string | undefined {
		const [version, id, iv, body, tag, extra] = sealed.split('.');
		const entry = this.#keys.find(candidate => candidate.id === id);
		if (version !== VERSION || !entry || iv === undefined || body === undefined || tag === undefined || extra !== undefined) {
			return undefined;
		}

		try {
			const decipher = createDecipheriv('aes-256-gcm', entry.key, Buffer.from(iv, 'base64url'));
			decipher.setAAD(Buffer.from(`${VERSION}|${storeKey}`));
			decipher.setAuthTag(Buffer.from(tag, 'base64url'));
			return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
		} catch {
			return undefined;
		}
	}
}

function derive(material: EncryptionKey, index: number): DerivedKey {
	const bytes = typeof material === 'string' ? Buffer.from(material, 'utf8') : material instanceof Uint8Array ? Buffer.from(material) : undefined;
	if (!bytes || bytes.length < MIN_KEY_BYTES) {
		// The message says which key and what it must be, never its value.
		throw invalidOption(
			`encryptionKey${index === 0 ? '' : `[${index}]`} must be a string of at least ${MIN_KEY_BYTES} characters or at least ${MIN_KEY_BYTES} bytes (e.g. \`openssl rand -base64 32\`).`,
		);
	}

	const key = Buffer.from(hkdfSync('sha256', bytes, 'got-arcgis-auth token store', 'aes-256-gcm v1', 32));
	const id = createHmac('sha256', key).update('key id').digest('base64url').slice(0, 8);
	return {id, key};
}
