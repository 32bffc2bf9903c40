import {RequestError, type Got} from 'got';
import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import type {ResolvedOptions} from '../options.js';
import {redactUrl} from '../site/redact.js';
import {readCapped} from '../http/capped-answer.js';
import {answerTooLarge, callOptions, networkError, type CallContext} from '../token/arcgis-client.js';
import {parseTokenResponse, type IssuedToken} from '../token/issued-token.js';
import {tokenForm} from '../token/token-form.js';

type Settings = Pick<ResolvedOptions, 'client' | 'referer' | 'ip' | 'expiration' | 'verify' | 'refreshMarginMs' | 'tls' | 'callTimeoutMs'>;

/**
Portal token → server token: the portal's generateToken with `serverUrl`. It is sent through the
handler's own hooks, so it carries the portal token (refreshed there on a 498 like on any request)
— or, for a portal behind the web tier or PKI, rides the Kerberos/NTLM/certificate-authenticated
connection with no portal token at all, as Esri's clients do.
*/
export class TokenExchange {
	readonly #through: Got;
	readonly #settings: Settings;
	readonly #label: string;

	/** `through`: a got instance with the handler's own hooks (the composition root makes it; no handler is imported here). */
	constructor(through: Got, settings: Settings, label: string) {
		this.#settings = settings;
		this.#label = label;
		this.#through = through.extend({
			https: {rejectUnauthorized: settings.verify},
			throwHttpErrors: false,
			retry: {limit: 0},
			followRedirect: false,
			responseType: 'text',
		});
	}

	/** A server token for `serverRoot` from the portal at `portalRoot`; `secrets` are scrubbed from the portal's messages. */
	async serverToken(serverRoot: string, portalRoot: string, call: CallContext, secrets: ReadonlyArray<string | undefined>): Promise<IssuedToken> {
		const endpoint = new URL(`${portalRoot}/sharing/rest/generateToken`);
		debug('%s: asking %s for a server token for %s', this.#label, redactUrl(endpoint), redactUrl(serverRoot));
		try {
			const response = await readCapped(
				this.#through.post(endpoint, {
					form: tokenForm(this.#settings, {serverUrl: serverRoot}),
					...callOptions(call, this.#settings.callTimeoutMs),
				}),
				() => answerTooLarge('TOKEN_SERVICE_ERROR', endpoint),
			);
			return parseTokenResponse(
				{statusCode: response.statusCode, body: response.body, date: response.headers.date},
				{url: endpoint, refreshMarginMs: this.#settings.refreshMarginMs, now: Date.now(), secrets},
			);
		} catch (error: unknown) {
			throw error instanceof RequestError && !(error instanceof TokenAuthenticationError) ? networkError(error, endpoint, this.#settings.tls) : error;
		}
	}
}
