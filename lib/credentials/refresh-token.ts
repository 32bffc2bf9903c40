import {createHash} from 'node:crypto';
import {TokenAuthenticationError} from '../errors.js';
import type {ResolvedOptions} from '../options.js';
import type {Site} from '../site/site.js';
import {assertSecureTransport} from '../site/transport.js';
import type {FleetIdentity, SharedState} from '../store/fleet-keys.js';
import type {ArcGISClient, CallContext} from '../token/arcgis-client.js';
import {isTokenText, type IssuedToken} from '../token/issued-token.js';
import {parseJsonBody} from '../token/json-body.js';
import {oauthUrl, readOAuthAnswer, readRenewalAnswer, type RenewalAnswer} from '../token/oauth-token.js';
import type {TokenEndpoint} from '../token/token-endpoint.js';
import {emitAuthWarning} from '../warnings.js';
import type {Credential} from './credential.js';

type Settings = Pick<ResolvedOptions, 'allowHttp' | 'refreshMarginMs'>;

/** What a user's OAuth session starts from. */
export type RefreshSession = {
	clientId: string;
	refreshToken: string;
	/** When the refresh token expires, if known (the CLI stores it): it is then renewed in time. */
	refreshTokenExpires?: Date | undefined;
	/** The redirect URI of the sign-in; exchange_refresh_token must repeat it. Default: the out-of-band one. */
	redirectUri: string;
	/** Told of every new refresh token, to store it. */
	onRefreshToken?: ((refreshToken: string, expires: Date | undefined) => void | Promise<void>) | undefined;
	/** The access token a sign-in just obtained with the refresh token: used first, without a call. */
	initial?: {issued: IssuedToken; username: string | undefined} | undefined;
};

/** Renew the refresh token when less than this is left of it (it lives two weeks by default, 90 days at most). */
const RENEW_BEFORE_MS = 24 * 60 * 60 * 1000;

/** How long a fleet keeps a renewed refresh token whose expiry is unknown: ArcGIS's longest refresh token. */
const LONGEST_REFRESH_MS = 90 * 24 * 60 * 60 * 1000;

/**
A user's OAuth session: access tokens (30 minutes) from `grant_type=refresh_token`, and the
refresh token itself renewed with `exchange_refresh_token` before it expires, when its expiry is
known. A refresh token the portal refuses (expired, revoked) means a person must sign in again:
`SIGN_IN_REQUIRED`, judged and so kept until reset() — never retried in a loop. A network failure
is not judged: the next request tries again.
*/
export class RefreshTokenCredential implements Credential {
	readonly #session: RefreshSession;
	readonly #settings: Settings;
	readonly #client: ArcGISClient;
	#refreshToken: string;
	#refreshExpiresAt: number | undefined;
	#username: string | undefined;
	/** Old refresh tokens, still scrubbed from messages after a renewal. */
	readonly #retired: string[] = [];
	#initial: IssuedToken | undefined;
	/** signOut() revoked the refresh token: nothing more can be asked for. */
	#signedOut = false;
	/**
	Names the session for a fleet (option `store`): a hash of the refresh token it started from, kept
	through renewals, so that processes started with the same sign-in share one session. A refresh
	token is random and long: its SHA-256 gives nothing back, unlike a password's.
	*/
	readonly #sessionId: string;

	constructor(session: RefreshSession, settings: Settings, client: ArcGISClient) {
		this.#session = session;
		this.#settings = settings;
		this.#client = client;
		this.#refreshToken = session.refreshToken;
		this.#refreshExpiresAt = session.refreshTokenExpires?.getTime();
		this.#initial = session.initial?.issued;
		this.#username = session.initial?.username;
		this.#sessionId = createHash('sha256').update(session.refreshToken).digest('base64url');
	}

	get username(): string | undefined {
		return this.#username;
	}

	/** The refresh token in use (the latest, after renewals). */
	get refreshToken(): string {
		return this.#refreshToken;
	}

	/** When the refresh token expires, if known. */
	get refreshTokenExpires(): Date | undefined {
		return this.#refreshExpiresAt === undefined ? undefined : new Date(this.#refreshExpiresAt);
	}

	ownEndpoint(site: Site): TokenEndpoint {
		return {url: oauthUrl(site.root, 'token')};
	}

	async fetch({url}: TokenEndpoint, call: CallContext): Promise<IssuedToken> {
		if (this.#signedOut) {
			throw new TokenAuthenticationError('SIGN_IN_REQUIRED', 'This OAuth session was signed out (signOut revoked its refresh token): sign in again.', {url});
		}

		const initial = this.#initial;
		this.#initial = undefined;
		if (initial && Date.now() < initial.refreshAt) {
			return initial;
		}

		assertSecureTransport(url, 'credentials', {allowHttp: this.#settings.allowHttp});
		const renewed = this.#dueForRenewal(Date.now()) ? await this.#grant(url, 'exchange_refresh_token', call) : undefined;
		// A renewal that brought a refresh token but no access token: one more call, with the new one.
		return renewed?.issued ?? (await this.#grant(url, 'refresh_token', call)).issued!;
	}

	/** One call of `oauth2/token` with the refresh token; what it answers of the session is taken in. */
	async #grant(url: URL, grant: 'refresh_token' | 'exchange_refresh_token', call: CallContext): Promise<RenewalAnswer> {
		const {clientId, redirectUri} = this.#session;
		const renew = grant === 'exchange_refresh_token';
		// exchange_refresh_token must repeat the sign-in's redirect URI.
		const form = {grant_type: grant, client_id: clientId, ...(renew ? {redirect_uri: redirectUri} : {}), refresh_token: this.#refreshToken, f: 'json'};
		const response = await this.#client.postForm(url, form, call);
		let answer: RenewalAnswer;
		try {
			const context = {url, refreshMarginMs: this.#settings.refreshMarginMs, now: Date.now(), secrets: this.secrets()};
			answer = renew ? readRenewalAnswer(response, context) : readOAuthAnswer(response, context);
		} catch (error: unknown) {
			throw refusedRefreshToken(error) ?? error;
		}

		this.#username = answer.username ?? this.#username;
		if (answer.refreshToken !== undefined && answer.refreshToken !== this.#refreshToken) {
			this.#retired.push(this.#refreshToken);
			this.#refreshToken = answer.refreshToken;
			this.#refreshExpiresAt = answer.refreshTokenExpiresAt;
			await this.#tell(answer.refreshToken);
		} else if (answer.refreshTokenExpiresAt !== undefined) {
			this.#refreshExpiresAt = answer.refreshTokenExpiresAt;
		}

		return answer;
	}

	secrets(): ReadonlyArray<string | undefined> {
		return [this.#refreshToken, ...this.#retired];
	}

	/**
	A fleet shares this session's access tokens and its refresh token: a renewal (exchange_refresh_token)
	kills the old refresh token, so the process that logs in next for the fleet takes the latest one
	from the store first. `onRefreshToken` is told in the process that renewed it.
	*/
	fleetIdentity(): FleetIdentity {
		return {who: ['oauth-session', this.#session.clientId, this.#sessionId], secret: undefined, state: this.shared};
	}

	/** The session as a fleet shares it (its refresh token), and how it takes one another process stored. */
	readonly shared: SharedState = {
		save: () => sharedSession(this.#refreshToken, this.#refreshExpiresAt),
		adopt: text => {
			const stored = readSharedSession(text);
			if (!stored || stored.refreshToken === this.#refreshToken) {
				return;
			}

			this.#retired.push(this.#refreshToken);
			this.#refreshToken = stored.refreshToken;
			this.#refreshExpiresAt = stored.expiresAt;
		},
	};

	/** Revokes the refresh token at the portal's `oauth2/revokeToken` (and with it the access tokens made from it). */
	async revoke(portalRoot: string): Promise<void> {
		const url = oauthUrl(portalRoot, 'revokeToken');
		assertSecureTransport(url, 'credentials', {allowHttp: this.#settings.allowHttp});
		const answer = await this.#client.postForm(url, {client_id: this.#session.clientId, auth_token: this.#refreshToken, token_type_hint: 'refresh_token', f: 'json'}, {});
		const parsed = parseJsonBody(answer.body);
		if (answer.statusCode !== 200 || !parsed.ok || (parsed.value as {success?: unknown} | null)?.success !== true) {
			throw new TokenAuthenticationError('OAUTH_ERROR', `${url.origin}${url.pathname} did not confirm the sign-out (HTTP ${answer.statusCode}); the refresh token may still be valid.`, {url});
		}

		this.#signedOut = true;
	}

	reset(): void {
		// The refresh token is kept: reset() forgets access tokens and a kept refusal, not the session.
	}

	#dueForRenewal(now: number): boolean {
		const expiresAt = this.#refreshExpiresAt;
		if (expiresAt === undefined) {
			return false;
		}

		return expiresAt - now < RENEW_BEFORE_MS;
	}

	async #tell(refreshToken: string): Promise<void> {
		try {
			await this.#session.onRefreshToken?.(refreshToken, this.refreshTokenExpires);
		} catch {
			// The session goes on with the new token in memory; the caller's store is theirs to fix.
			emitAuthWarning('onRefreshToken failed: the new refresh token is in use but was not saved, and a later run may have to sign in again.', 'OAUTH_ERROR');
		}
	}
}

/** A session's refresh token as a fleet stores it (JSON text), living as long as the refresh token. */
export function sharedSession(refreshToken: string, expiresAt: number | undefined): {text: string; ttlMs: number} {
	return {
		text: JSON.stringify({refreshToken, expires: expiresAt ?? null}),
		ttlMs: expiresAt === undefined ? LONGEST_REFRESH_MS : Math.max(1, expiresAt - Date.now()),
	};
}

/** A stored session read back, checked as an answer from a server would be; undefined if it is not one. */
export function readSharedSession(text: string): {refreshToken: string; expiresAt: number | undefined} | undefined {
	let value: {refreshToken?: unknown; expires?: unknown} | undefined;
	try {
		value = JSON.parse(text) as typeof value;
	} catch {
		return undefined;
	}

	const {refreshToken, expires} = value ?? {};
	if (typeof refreshToken !== 'string' || !isTokenText(refreshToken) || !(expires === null || (typeof expires === 'number' && Number.isFinite(expires)))) {
		return undefined;
	}

	return {refreshToken, expiresAt: expires ?? undefined};
}

/** A refusal of the refresh token itself (ArcGIS: code 498, "refresh_token expired", "Invalid refresh_token"). */
function refusedRefreshToken(error: unknown): TokenAuthenticationError | undefined {
	if (!(error instanceof TokenAuthenticationError) || error.code !== 'OAUTH_ERROR' || !error.arcgisError) {
		return undefined;
	}

	const {code, message} = error.arcgisError;
	if (String(code) !== '498' && !/refresh.?token|invalid_grant/i.test(message ?? '')) {
		return undefined;
	}

	return new TokenAuthenticationError(
		'SIGN_IN_REQUIRED',
		`${error.message.replace(/\.?$/, '.')} The sign-in has ended (the refresh token expired or was revoked): sign in again (arcgis-auth login, or ArcGISPortalOAuthAuth.signIn).`,
		{url: error.url, arcgisError: error.arcgisError, cause: error},
	);
}
