import type {NormalizedOptions} from 'got';
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

	beforeError(error: Parameters<NonNullable<Step['beforeError']>>[0], slice: CertificateSlice | undefined): TokenAuthenticationError | undefined {
		if (!slice || !error.options) {
			return undefined;
		}

		if (!error.response && !(error instanceof TokenAuthenticationError)) {
			const refused = clientCertificateError(error.code, error.options.url as URL, this.#tls);
			if (refused) {
				return refused.forRequest(error.options);
			}
		}

		hideOptions(error);
		return undefined;
	}
}
