import type {ResolvedOptions} from '../options.js';
import type {Site} from '../site/site.js';
import {assertSecureTransport} from '../site/transport.js';
import type {FleetIdentity} from '../store/fleet-keys.js';
import type {ArcGISClient, CallContext} from '../token/arcgis-client.js';
import type {IssuedToken} from '../token/issued-token.js';
import {oauthUrl, readOAuthAnswer} from '../token/oauth-token.js';
import type {TokenEndpoint} from '../token/token-endpoint.js';
import type {Credential} from './credential.js';

type Settings = Pick<ResolvedOptions, 'allowHttp' | 'expiration' | 'refreshMarginMs'>;

/**
An OAuth app's client id and secret, for app tokens (`grant_type=client_credentials` at the
portal's `oauth2/token`): no user, no refresh token — a new app token is asked for when the old
one is due, as a password handler logs in again.
*/
export class AppCredential implements Credential {
	readonly #clientId: string;
	readonly #clientSecret: string;
	readonly #settings: Settings;
	readonly #client: ArcGISClient;

	constructor(clientId: string, clientSecret: string, settings: Settings, client: ArcGISClient) {
		this.#clientId = clientId;
		this.#clientSecret = clientSecret;
		this.#settings = settings;
		this.#client = client;
	}

	/** The portal's OAuth token endpoint: known without asking the portal (no rest/info probe). */
	ownEndpoint(site: Site): TokenEndpoint {
		return {url: oauthUrl(site.root, 'token')};
	}

	async fetch({url}: TokenEndpoint, call: CallContext): Promise<IssuedToken> {
		// Before the secret leaves: plain http to a host that is not loopback costs no call.
		assertSecureTransport(url, 'credentials', {allowHttp: this.#settings.allowHttp});
		const form: Record<string, string> = {grant_type: 'client_credentials', client_id: this.#clientId, client_secret: this.#clientSecret, f: 'json'};
		if (this.#settings.expiration !== undefined) {
			// Minutes, as generateToken's (the answer's expires_in is in seconds).
			form.expiration = String(this.#settings.expiration);
		}

		const answer = await this.#client.postForm(url, form, call);
		return readOAuthAnswer(answer, {url, refreshMarginMs: this.#settings.refreshMarginMs, now: Date.now(), secrets: [this.#clientSecret]}).issued;
	}

	secrets(): ReadonlyArray<string | undefined> {
		return [this.#clientSecret];
	}

	/** The app and the lifetime asked for; the client secret is the secret. */
	fleetIdentity(): FleetIdentity {
		return {who: ['app', this.#clientId, String(this.#settings.expiration ?? '')], secret: this.#clientSecret};
	}

	reset(): void {
		// Nothing remembered: the next token call sends the same client id and secret.
	}
}
