import {createHash, generateKeyPairSync, randomBytes, sign, X509Certificate} from 'node:crypto';
import {bitString, boolean, explicit, implicit, objectIdentifier, octetString, sequence, set, smallInteger, time, unsignedInteger, utf8String} from './der.js';

/** A certificate and its key, made at start and never stored. */
export type EmulatorCertificate = {cert: string; key: string};

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
	return sequence(objectIdentifier(oid), ...(critical ? [boolean(true)] : []), octetString(value));
}

function pem(der: Buffer): string {
	const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
	return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
A self-signed P-256 certificate for `localhost`, `127.0.0.1` and `::1`, valid for a week, written
with node:crypto and a small DER encoder (no dependency). It is its own CA (`basicConstraints`
cA), so a client trusts it by passing the PEM as its certificate authority.
*/
export function makeCertificate(): EmulatorCertificate {
	const {publicKey, privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
	const spki = publicKey.export({type: 'spki', format: 'der'});
	const serial = randomBytes(16);
	serial[0] = (serial[0]! & 0x7f) | 0x40;
	const algorithm = sequence(objectIdentifier(ECDSA_WITH_SHA256));
	const name = sequence(set(sequence(objectIdentifier('2.5.4.3'), utf8String('localhost'))));
	const now = Date.now();
	const validity = sequence(time(new Date(now - 60_000)), time(new Date(now + 7 * 24 * 3_600_000)));
	// keyUsage digitalSignature (bit 0) and keyCertSign (bit 5): 1000 0100, the last 2 bits unused.
	const keyUsage = bitString(Buffer.from([0x84]), 2);
	const altNames = sequence(implicit(2, Buffer.from('localhost', 'ascii')), implicit(7, Buffer.from([127, 0, 0, 1])), implicit(7, Buffer.from([...Array.from({length: 15}, () => 0), 1])));
	const extensions = explicit(3, sequence(
		extension('2.5.29.19', true, sequence(boolean(true))),
		extension('2.5.29.15', true, keyUsage),
		extension('2.5.29.37', false, sequence(objectIdentifier('1.3.6.1.5.5.7.3.1'))),
		extension('2.5.29.14', false, octetString(createHash('sha1').update(spki).digest())),
		extension('2.5.29.17', false, altNames),
	));
	const tbs = sequence(explicit(0, smallInteger(2)), unsignedInteger(serial), algorithm, name, validity, name, spki, extensions);
	const signature = sign('sha256', tbs, privateKey);
	const cert = pem(sequence(tbs, algorithm, bitString(signature)));
	// A certificate that does not verify would only show up later as an opaque TLS failure.
	const parsed = new X509Certificate(cert);
	if (!parsed.verify(publicKey) || !parsed.checkPrivateKey(privateKey)) {
		throw new Error('got-arcgis-auth emulator: the generated certificate does not verify.');
	}

	return {cert, key: privateKey.export({type: 'pkcs8', format: 'pem'}).toString()};
}
