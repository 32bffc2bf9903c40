import type {NormalizedOptions} from 'got';
import {TokenAuthenticationError, invalidOption} from '../errors.js';
import {redactUrl} from '../site/redact.js';

/** PEM text or its bytes (a PKCS#12 file for `pfx`). */
export type CertificateMaterial = string | Buffer;

/** TLS options for sites that use PKI: a client certificate, and the CA that signed the site's own. Names as in got's `https` options. */
export type TlsOptions = {
	/** Client certificate, PEM (with `key`). */
	certificate?: CertificateMaterial;
	/** Private key of `certificate`, PEM; encrypted keys take `passphrase`. */
	key?: CertificateMaterial;
	/** Client certificate and key as one PKCS#12 (.pfx / .p12) file; with `passphrase` when protected. */
	pfx?: CertificateMaterial;
	/** Passphrase of `pfx` or of an encrypted `key`. */
	passphrase?: string;
	/**
	Certificate authorities to trust for the site's own certificate (an internal PKI), PEM. As got's
	`https.certificateAuthority` (and Python's `verify='ca.pem'`), they replace Node's own for the
	site's requests; add `tls.rootCertificates` to the list if public certificates must verify too.
	Default: Node's.
	*/
	certificateAuthority?: CertificateMaterial | CertificateMaterial[];
};

/** The TLS material a handler uses, in got's `https` option shape. Holds secrets: never logged, never inspected. */
export type TlsMaterial = Readonly<TlsOptions>;

const FIELDS = ['certificate', 'key', 'pfx', 'passphrase', 'certificateAuthority'] as const;

function isMaterial(value: unknown): value is CertificateMaterial {
	return (typeof value === 'string' && value.trim() !== '') || (Buffer.isBuffer(value) && value.length > 0);
}

/**
Checks the PKI options: `certificate` goes with `key`, `pfx` stands alone, and not both ways at
once. Messages name the options, never their contents.
*/
export function resolveTls(options: TlsOptions): TlsMaterial {
	const {certificate, key, pfx, passphrase, certificateAuthority} = options;
	for (const [name, value] of [
		['certificate', certificate],
		['key', key],
		['pfx', pfx],
	] as const) {
		if (value !== undefined && !isMaterial(value)) {
			throw invalidOption(`option ${name} must be PEM text or a Buffer (read the file with fs.readFileSync).`);
		}
	}

	if ((certificate === undefined) !== (key === undefined)) {
		throw invalidOption('options certificate and key go together: give both (PEM), or give pfx instead.');
	}

	if (pfx !== undefined && certificate !== undefined) {
		throw invalidOption('give either certificate + key or pfx, not both.');
	}

	if (passphrase !== undefined && (typeof passphrase !== 'string' || (pfx === undefined && key === undefined))) {
		throw invalidOption('option passphrase must be a string, and goes with pfx or an encrypted key.');
	}

	const authorities = Array.isArray(certificateAuthority) ? certificateAuthority : [certificateAuthority];
	if (certificateAuthority !== undefined && !authorities.every(item => isMaterial(item))) {
		throw invalidOption('option certificateAuthority must be PEM text, a Buffer, or an array of them.');
	}

	const material: Record<string, unknown> = {};
	for (const field of FIELDS) {
		if (options[field] !== undefined) {
			material[field] = options[field];
		}
	}

	return material;
}

/** Whether the material includes a client certificate (the site may take it as the user's identity). */
export function hasClientCertificate(material: TlsMaterial): boolean {
	return material.certificate !== undefined || material.pfx !== undefined;
}

/**
Puts the handler's TLS material on a request to its site, field by field where the caller set
nothing of their own (a caller's own certificate or CA wins). True when something was added.
*/
export function applyTls(options: NormalizedOptions, material: TlsMaterial): boolean {
	const https = options.https as Record<string, unknown>;
	const callerIdentity = https.certificate !== undefined || https.key !== undefined || https.pfx !== undefined;
	let added = false;
	for (const field of FIELDS) {
		const identityField = field !== 'certificateAuthority';
		if (material[field] === undefined || https[field] !== undefined || (identityField && callerIdentity)) {
			continue;
		}

		https[field] = material[field];
		added = true;
	}

	return added;
}

/** Takes the handler's TLS material off a request again (a redirect left the site). */
export function removeTls(options: NormalizedOptions, material: TlsMaterial): void {
	const https = options.https as Record<string, unknown>;
	for (const field of FIELDS) {
		if (material[field] !== undefined && https[field] === material[field]) {
			delete https[field];
		}
	}
}

// OpenSSL's alerts, as Node names them, when a server wants a client certificate or refuses one.
const REQUIRED = new Set(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED']);
const REFUSED = new Set([
	'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE',
	'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
	'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
	'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
	'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
	'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
	'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

/**
A client-certificate failure told in words, or undefined when the error is something else. Without
this the caller sees OpenSSL's "tlsv13 alert certificate required" or a bare socket hang-up.
*/
export function clientCertificateError(code: string | undefined, url: URL, material: TlsMaterial): TokenAuthenticationError | undefined {
	const given = hasClientCertificate(material);
	if (code !== undefined && REQUIRED.has(code) && !given) {
		return new TokenAuthenticationError(
			'CLIENT_CERTIFICATE',
			`${redactUrl(url)} asks for a client certificate (PKI), and none was given: pass the options certificate and key (PEM), or pfx and passphrase.`,
			{url},
		);
	}

	if (code !== undefined && (REQUIRED.has(code) || REFUSED.has(code)) && given) {
		return new TokenAuthenticationError(
			'CLIENT_CERTIFICATE',
			`${redactUrl(url)} refused the client certificate given (${code}): is it signed by a certificate authority the site trusts, and still valid?`,
			{url},
		);
	}

	return undefined;
}
