import {readFileSync} from 'node:fs';
import type {TlsOptions} from '../tls/client-certificate.js';
import {UsageError} from './exit-codes.js';

/** The PKI flags, as curl names them; the passphrase comes from the environment, never from argv. */
export const TLS_OPTIONS = {
	cert: {type: 'string'},
	key: {type: 'string'},
	pfx: {type: 'string'},
	cacert: {type: 'string'},
} as const;

export const TLS_HELP = `      --cert FILE      client certificate (PEM) for PKI sites, with --key
      --key FILE       its private key (PEM); an encrypted key takes ARCGIS_CERT_PASSPHRASE
      --pfx FILE       client certificate and key as one PKCS#12 file; passphrase from ARCGIS_CERT_PASSPHRASE
      --cacert FILE    certificate authority (PEM) that signed the site's certificate`;

type TlsValues = {cert?: string; key?: string; pfx?: string; cacert?: string};

function read(flag: string, path: string): Buffer {
	try {
		return readFileSync(path);
	} catch (error: unknown) {
		throw new UsageError(`--${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
	}
}

/** Reads the files the PKI flags name; the handler checks that they fit together. */
export function tlsOptionsFrom(values: TlsValues, env: NodeJS.ProcessEnv): TlsOptions {
	const options: TlsOptions = {};
	if (values.cert !== undefined) {
		options.certificate = read('cert', values.cert);
	}

	if (values.key !== undefined) {
		options.key = read('key', values.key);
	}

	if (values.pfx !== undefined) {
		options.pfx = read('pfx', values.pfx);
	}

	if (values.cacert !== undefined) {
		options.certificateAuthority = read('cacert', values.cacert);
	}

	const passphrase = env.ARCGIS_CERT_PASSPHRASE;
	if (passphrase !== undefined && passphrase !== '' && (options.pfx !== undefined || options.key !== undefined)) {
		options.passphrase = passphrase;
	}

	return options;
}
