import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import type {ResolvedOptions} from '../options.js';
import {enterpriseLogin, type IdpStep} from '../saml/enterprise-login.js';
import type {Site} from '../site/site.js';
import {assertSecureTransport} from '../site/transport.js';
import type {FleetIdentity, SharedState} from '../store/fleet-keys.js';
import type {ArcGISClient, CallContext} from '../token/arcgis-client.js';
import type {IssuedToken} from '../token/issued-token.js';
import {oauthUrl, readOAuthAnswer} from '../token/oauth-token.js';
import type {TokenEndpoint} from '../token/token-endpoint.js';
import {emitAuthWarning} from '../warnings.js';
import type {Credential} from './credential.js';
import {readSharedSession, RefreshTokenCredential, type RefreshSession} from './refresh-token.js';

/** What an enterprise login needs besides the handler's options. */
export type SamlSession = {
	clientId: string;
	/** For NTLM or a login form at the identity provider; without them, Kerberos from the ticket cache. */
	username?: string | undefined;
	password?: string | undefined;
	redirectUri: string;
	expiration?: number | undefined;
	userAgent?: string | undefined;
	idpSpn?: string | undefined;
	idpStep?: IdpStep | undefined;
	onRefreshToken?: ((refreshToken: string, expires: Date | undefined) => void | Promise<void>) | undefined;
	/** A refresh token of an earlier login to start from (the CLI's kept sign-in): no login until the portal refuses it. */
	refreshToken?: string | undefined;
	refreshTokenExpires?: Date | undefined;
};

/**
A user's OAuth session that begins with an enterprise login and can begin again without a person:
the first token comes from the login (authorize → identity provider → SAML response → code →
`oauth2/token`), later ones from the refresh token like {@link RefreshTokenCredential}, which this
holds. Only when the portal refuses the refresh token is there a new login (the token source's
single flight makes it one for all waiting requests). A refused login is SAML_LOGIN_FAILED, judged:
kept until reset(), as identity providers lock accounts.
*/
export class SamlLoginCredential implements Credential {
	readonly #session: SamlSession;
	readonly #settings: ResolvedOptions;
	readonly #client: ArcGISClient;
	#refresh: RefreshTokenCredential | undefined;
	/** Refresh tokens of sessions that ended, still scrubbed from messages. */
	readonly #retired: string[] = [];

	constructor(session: SamlSession, settings: ResolvedOptions, client: ArcGISClient) {
		this.#session = session;
		this.#settings = settings;
		this.#client = client;
		if (session.refreshToken !== undefined) {
			this.#refresh = this.#sessionFrom(session.refreshToken, session.refreshTokenExpires);
		}
	}

	/** The portal's name for the user (the identity provider's may differ), once signed in. */
	get username(): string | undefined {
		return this.#refresh?.username ?? this.#session.username;
	}

	/** The session's refresh token, once signed in. */
	get refreshToken(): string | undefined {
		return this.#refresh?.refreshToken;
	}

	get refreshTokenExpires(): Date | undefined {
		return this.#refresh?.refreshTokenExpires;
	}

	ownEndpoint(site: Site): TokenEndpoint {
		return {url: oauthUrl(site.root, 'token')};
	}

	async fetch(endpoint: TokenEndpoint, call: CallContext): Promise<IssuedToken> {
		if (this.#refresh) {
			try {
				return await this.#refresh.fetch(endpoint, call);
			} catch (error: unknown) {
				if (!(error instanceof TokenAuthenticationError && error.code === 'SIGN_IN_REQUIRED')) {
					throw error;
				}

				debug('saml: the portal refused the refresh token; a new enterprise login');
				this.#retired.push(...this.#refresh.secrets().filter((secret): secret is string => secret !== undefined));
				this.#refresh = undefined;
			}
		}

		this.#refresh = await this.#login(endpoint.url, call);
		return this.#refresh.fetch(endpoint, call);
	}

	secrets(): ReadonlyArray<string | undefined> {
		return [this.#session.password, ...(this.#refresh?.secrets() ?? []), ...this.#retired];
	}

	/**
	Whose session it is, for a fleet (option `store`): the portal, the app (and the redirect URI its
	renewals repeat), the user given to the identity provider and the sign-in's lifetime; the
	identity provider is the portal's (its authorize page names it), so the portal names it too.
	The password is the secret: a refused login is kept under its fingerprint, and the session's
	refresh token is shared (state) with the processes of the same password only. A Windows login
	(no username: the Kerberos ticket's user, whom the handler cannot name before the login) has no
	identity and shares nothing: by portal and app alone, one user's session would reach a process
	running with another user's ticket.
	*/
	fleetIdentity(site: Site | undefined): FleetIdentity | undefined {
		const {clientId, username, password, redirectUri, expiration} = this.#session;
		if (username === undefined || password === undefined || site === undefined) {
			return undefined;
		}

		return {who: ['saml-session', site.root.toLowerCase(), clientId, redirectUri, username, String(expiration ?? '')], secret: password, state: this.#shared};
	}

	/**
	The session's refresh token as the fleet shares it: a process that has none yet (another one
	made the enterprise login) takes the stored one and goes on with refresh_token, no login of its
	own; one that has a session takes a newer refresh token (renewed or from a new login) in place.
	*/
	readonly #shared: SharedState = {
		// No session yet: nothing worth storing (the fleet stores a state only when a login changed it).
		save: () => this.#refresh?.shared.save() ?? {text: 'null', ttlMs: 1},
		adopt: text => {
			if (this.#refresh) {
				this.#refresh.shared.adopt(text);
				return;
			}

			const stored = readSharedSession(text);
			if (stored) {
				this.#refresh = this.#sessionFrom(stored.refreshToken, stored.expiresAt === undefined ? undefined : new Date(stored.expiresAt));
			}
		},
	};

	/** Revokes the session's refresh token (signOut); the next request makes a new enterprise login. */
	async revoke(portalRoot: string): Promise<void> {
		await this.#refresh?.revoke(portalRoot);
		this.#refresh = undefined;
	}

	reset(): void {
		// The session is kept: reset() forgets access tokens and a kept refusal.
	}

	async #login(tokenUrl: URL, call: CallContext): Promise<RefreshTokenCredential> {
		const {clientId, redirectUri, onRefreshToken} = this.#session;
		const settings = this.#settings;
		// The code and the verifier go to the token endpoint: never over plain http.
		assertSecureTransport(tokenUrl, 'credentials', {allowHttp: settings.allowHttp});
		const portal = `${tokenUrl.origin}${tokenUrl.pathname.replace(/\/sharing\/rest\/oauth2\/token$/i, '')}`;
		const {code, verifier} = await enterpriseLogin({
			...this.#session,
			spn: this.#session.idpSpn,
			portal,
			mutualAuth: settings.mutualAuth,
			workstation: settings.workstation,
			verify: settings.verify,
			allowHttp: settings.allowHttp,
			callTimeoutMs: settings.callTimeoutMs,
			signal: call.signal,
			dnsLookup: call.dnsLookup,
		});
		debug('saml: exchanging the code at %s', `${tokenUrl.origin}${tokenUrl.pathname}`);
		const response = await this.#client.postForm(tokenUrl, {grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: verifier, f: 'json'}, call);
		const answer = readOAuthAnswer(response, {url: tokenUrl, refreshMarginMs: settings.refreshMarginMs, now: Date.now(), secrets: [code, verifier, ...this.secrets()]});
		if (answer.refreshToken === undefined) {
			throw new TokenAuthenticationError('OAUTH_ERROR', `${tokenUrl.origin}${tokenUrl.pathname} signed you in but sent no refresh token: the session could not be continued.`, {url: tokenUrl});
		}

		const expires = answer.refreshTokenExpiresAt === undefined ? undefined : new Date(answer.refreshTokenExpiresAt);
		try {
			await onRefreshToken?.(answer.refreshToken, expires);
		} catch {
			emitAuthWarning('onRefreshToken failed: the new refresh token is in use but was not saved.', 'OAUTH_ERROR');
		}

		return this.#sessionFrom(answer.refreshToken, expires, {issued: answer.issued, username: answer.username});
	}

	/** The refresh-token session that carries on from a login (with its first access token) or from a kept refresh token. */
	#sessionFrom(refreshToken: string, refreshTokenExpires: Date | undefined, initial?: RefreshSession['initial']): RefreshTokenCredential {
		const {clientId, redirectUri, onRefreshToken} = this.#session;
		return new RefreshTokenCredential({clientId, refreshToken, refreshTokenExpires, redirectUri, onRefreshToken, initial}, this.#settings, this.#client);
	}
}
