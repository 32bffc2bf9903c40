import {hostname} from 'node:os';
import {TokenAuthenticationError} from '../errors.js';
import type {ResolvedOptions} from '../options.js';
import {redactUrl} from '../site/redact.js';
import {assertSecureTransport} from '../site/transport.js';
import type {FleetIdentity} from '../store/fleet-keys.js';
import type {ArcGISClient, CallContext} from '../token/arcgis-client.js';
import {parseTokenResponse, type IssuedToken} from '../token/issued-token.js';
import type {TokenEndpoint} from '../token/token-endpoint.js';
import {tokenForm} from '../token/token-form.js';
import type {Credential} from './credential.js';

type Settings = Pick<ResolvedOptions, 'allowHttp' | 'client' | 'referer' | 'ip' | 'expiration' | 'refreshMarginMs'>;

/**
A username and password, sent to generateToken (Python: `ArcGISServerTokenAuth(username, password)`).
Optional for the general handlers, which may never need them (Kerberos, a client certificate).
*/
export class PasswordCredential implements Credential {
	readonly #label: string;
	readonly #settings: Settings;
	readonly #client: ArcGISClient;
	#username: string | undefined;
	#password: string | undefined;

	constructor(label: string, username: string | undefined, password: string | undefined, settings: Settings, client: ArcGISClient) {
		this.#label = label;
		this.#username = username;
		this.#password = password;
		this.#settings = settings;
		this.#client = client;
	}

	get username(): string | undefined {
		return this.#username;
	}

	/** The password, for the NTLM handshake (which never sends it). */
	get password(): string | undefined {
		return this.#password;
	}

	/** Whether a username and password were given. */
	get present(): boolean {
		return this.#username !== undefined && this.#password !== undefined;
	}

	replace(username: string, password: string): void {
		this.#username = username;
		this.#password = password;
	}

	async fetch({url: endpoint, forServer}: TokenEndpoint, call: CallContext): Promise<IssuedToken> {
		const username = this.#username;
		const password = this.#password;
		if (username === undefined || password === undefined) {
			throw new TokenAuthenticationError('INVALID_CREDENTIALS', `${this.#label}: the site at ${redactUrl(endpoint)} wants a token, and no username and password were given.`, {url: endpoint});
		}

		// Before the password leaves: plain http to a host that is not loopback costs no login.
		assertSecureTransport(endpoint, 'credentials', {allowHttp: this.#settings.allowHttp});
		const form = tokenForm(this.#settings, {username, password, ...(forServer === undefined ? {} : {serverUrl: forServer})});
		const answer = await this.#client.postForm(endpoint, form, call);
		return parseTokenResponse(answer, {url: endpoint, refreshMarginMs: this.#settings.refreshMarginMs, now: Date.now(), secrets: [password]});
	}

	secrets(): ReadonlyArray<string | undefined> {
		return [this.#password];
	}

	/**
	The user and what makes a generateToken answer differ (client, referer or ip, lifetime); the
	password is the secret. A `client: 'requestip'` token is bound to the address the server saw
	the login come from: it is shared by the processes of this machine only (its host name), or
	each machine of the fleet would get 498 with the others' tokens.
	*/
	fleetIdentity(): FleetIdentity | undefined {
		if (this.#username === undefined || this.#password === undefined) {
			return undefined;
		}

		const {client, referer, ip, expiration} = this.#settings;
		const boundTo = client === 'referer' ? referer : client === 'ip' ? (ip ?? '') : hostname();
		return {who: ['password', this.#username, client, boundTo, String(expiration ?? '')], secret: this.#password};
	}

	reset(): void {
		// A password is not forgotten by reset(); setCredentials() replaces it.
	}
}
