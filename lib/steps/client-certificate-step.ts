import type {NormalizedOptions, RequestError} from 'got';
import {TokenAuthenticationError} from '../errors.js';
import type {EarlierSlices, Step} from '../pipeline/step.js';
import type {SiteBinding} from '../site/site-binding.js';
import {applyTls, clientCertificateError, removeTls, type TlsMaterial} from '../tls/client-certificate.js';
import {hideOptions} from './hide-options.js';
import type {TokenSlice} from './token-step.js';

/** True: the handler put its client certificate (PKI) on the request. */
export type CertificateSlice = true;

/**
The client certificate says who the user is: it goes on requests to the site's host and to the
servers federated with it (those that got a token), never on a request a portal handler merely
passes on to a public server. A refused or missing certificate is told in words.
*/
export class ClientCertificateStep implements Step<CertificateSlice> {
	readonly name = 'client-certificate';
	readonly #tls: TlsMaterial;
	readonly #binding: SiteBinding;

	constructor(tls: TlsMaterial, binding: SiteBinding) {
		this.#tls = tls;
		this.#binding = binding;
	}

	beforeRequest(options: NormalizedOptions, url: URL, slice: CertificateSlice | undefined, earlier: EarlierSlices): CertificateSlice | undefined {
		const tokenPlaced = earlier.slice<TokenSlice>('token')?.placement !== undefined;
		return (this.#binding.onSiteOrigin(url) || tokenPlaced) && applyTls(options, this.#tls) ? true : slice;
	}

	takeOff(options: NormalizedOptions): undefined {
		// Put back by beforeRequest if the next hop is still the site's.
		removeTls(options, this.#tls);
		return undefined;
	}

	beforeError(error: RequestError, slice: CertificateSlice | undefined): TokenAuthenticationError | undefined {
		if (!slice || !error.options) {
			return undefined;
		}

		const refused = toldInWords(error, this.#tls);
		if (refused) {
			return refused;
		}

		hideOptions(error);
		return undefined;
	}
}

/**
The step of a handler given no TLS material at all: nothing to put on a request (no
beforeRequest, so the hot path never runs it), but when its site asks for a client certificate
the caller is told so in words, not in OpenSSL's "tlsv13 alert certificate required". Another
host's demand is left as it is: the handler would not offer a certificate there anyway.
*/
export class NoCertificateStep implements Step<never> {
	readonly name = 'client-certificate';
	readonly #binding: SiteBinding;

	constructor(binding: SiteBinding) {
		this.#binding = binding;
	}

	beforeError(error: RequestError): TokenAuthenticationError | undefined {
		const url = error.options?.url;
		return url instanceof URL && this.#binding.onSiteOrigin(url) ? toldInWords(error, {}) : undefined;
	}
}

/** A TLS failure of a request (no response, not already the library's) as the client-certificate error it is, or undefined. */
function toldInWords(error: RequestError, material: TlsMaterial): TokenAuthenticationError | undefined {
	if (error.response || error instanceof TokenAuthenticationError || !error.options) {
		return undefined;
	}

	return clientCertificateError(error.code, error.options.url as URL, material)?.forRequest(error.options);
}
