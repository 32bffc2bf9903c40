import {createHash, randomBytes, timingSafeEqual} from 'node:crypto';

/** How long a pending authorization (an `oauth_state` behind a sign-in page) stays good: ten minutes. */
export const PENDING_MS = 10 * 60_000;

/** What `oauth2/authorize` was asked: kept under its `oauth_state` until the user signs in. */
export type PendingAuthorization = {
	clientId: string;
	redirectUri: string;
	/** The client's `state`, echoed on the redirect; undefined when none was given. */
	state: string | undefined;
	/** The PKCE challenge and its method, when the client sent one. */
	challenge: {value: string; method: 'S256' | 'plain'} | undefined;
	/** The refresh token's lifetime the request asked for, in ms (from `expiration`, before the emulator's cap). */
	refreshMs: number;
	expires: number;
};

/** A sign-in sent to the enterprise IdP: its `oauth_state`, and the ID of the AuthnRequest the response must answer. */
export type SamlRelay = {oauthState: string; requestId: string | undefined; expires: number};

/** An authorization code: what it was issued for, and for whom. */
export type AuthorizationCode = PendingAuthorization & {username: string};

/** A refresh token: its client, its user, and the grant (session) its access tokens belong to. */
export type RefreshGrant = {clientId: string; username: string; session: string; refreshMs: number; expires: number};

const secret = (): string => randomBytes(24).toString('base64url');

/** Whether a PKCE `code_verifier` answers the challenge: S256 = base64url(sha256(verifier)), or plain. */
export function verifierMatches(challenge: NonNullable<PendingAuthorization['challenge']>, verifier: string): boolean {
	const computed = challenge.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
	// Compared as hashes: equal lengths, and no early exit an attacker could time.
	const digest = (text: string) => createHash('sha256').update(text).digest();
	return timingSafeEqual(digest(computed), digest(challenge.value));
}

function sweep<T extends {expires: number}>(table: Map<string, T>, graceMs = 0): void {
	if (table.size < 1000) {
		return;
	}

	const now = Date.now();
	for (const [key, value] of table) {
		if (value.expires + graceMs <= now) {
			table.delete(key);
		}
	}
}

/**
The portal's OAuth state for users: pending authorizations by `oauth_state`, single-use codes,
refresh tokens, and which access tokens each grant minted (so that revoking a refresh token revokes
them). All keys are random and unguessable; the access tokens themselves live in the TokenStore.
*/
export class OAuthSessions {
	readonly #pending = new Map<string, PendingAuthorization>();
	readonly #codes = new Map<string, AuthorizationCode>();
	readonly #refresh = new Map<string, RefreshGrant>();
	readonly #accessBySession = new Map<string, Set<string>>();
	readonly #relays = new Map<string, SamlRelay>();

	/** Keeps an authorization until sign-in; returns its `oauth_state`. */
	begin(pending: Omit<PendingAuthorization, 'expires'>): string {
		sweep(this.#pending);
		const oauthState = secret();
		this.#pending.set(oauthState, {...pending, expires: Date.now() + PENDING_MS});
		return oauthState;
	}

	/** The authorization behind an `oauth_state`, while it is good. */
	pending(oauthState: string): PendingAuthorization | undefined {
		const found = this.#pending.get(oauthState);
		return found && found.expires > Date.now() ? found : undefined;
	}

	/** The user signed in: the `oauth_state` is spent, and a code is issued for what it asked. */
	issueCode(oauthState: string, username: string, lifetimeMs: number): string | undefined {
		const pending = this.pending(oauthState);
		this.#pending.delete(oauthState);
		if (!pending) {
			return undefined;
		}

		sweep(this.#codes);
		const code = secret();
		this.#codes.set(code, {...pending, username, expires: Date.now() + lifetimeMs});
		return code;
	}

	/**
	A pending sign-in goes to the IdP: returns the `RelayState` that brings its response back to it.
	Random, not the `oauth_state` itself, so that the IdP and its logs never see the portal's state.
	*/
	relayToIdp(oauthState: string): string {
		sweep(this.#relays);
		const relayState = secret();
		this.#relays.set(relayState, {oauthState, requestId: undefined, expires: Date.now() + PENDING_MS});
		return relayState;
	}

	/** The AuthnRequest made for a `RelayState` (made after it: the request carries it): the one its response must answer. */
	expectResponse(relayState: string, requestId: string): void {
		const found = this.#relays.get(relayState);
		if (found) {
			found.requestId = requestId;
		}
	}

	/** Takes a `RelayState`: spent by the first response that presents it, good or not. Undefined if unknown, expired or never sent. */
	takeRelay(relayState: string): (SamlRelay & {requestId: string}) | undefined {
		const found = this.#relays.get(relayState);
		this.#relays.delete(relayState);
		return found?.requestId !== undefined && found.expires > Date.now() ? {...found, requestId: found.requestId} : undefined;
	}

	/** Takes a code: it is spent by the first exchange that presents it, good or not. Undefined if unknown or expired. */
	takeCode(code: string): AuthorizationCode | undefined {
		const found = this.#codes.get(code);
		this.#codes.delete(code);
		return found && found.expires > Date.now() ? found : undefined;
	}

	/** A new refresh token for a grant (a new session unless one is given, as exchange_refresh_token keeps it). */
	issueRefresh(grant: Omit<RefreshGrant, 'session' | 'expires'> & {session?: string}, lifetimeMs: number): {token: string; expires: number} {
		// Expired refresh tokens stay a day, so that a late client hears "refresh_token expired".
		sweep(this.#refresh, 86_400_000);
		const token = secret();
		const expires = Date.now() + lifetimeMs;
		this.#refresh.set(token, {...grant, session: grant.session ?? secret(), expires});
		return {token, expires};
	}

	/** A refresh token's grant: `'expired'` when its time is up, undefined when unknown or revoked. */
	refresh(token: string): RefreshGrant | 'expired' | undefined {
		const found = this.#refresh.get(token);
		return found && found.expires <= Date.now() ? 'expired' : found;
	}

	/** Notes that an access token belongs to a grant. */
	addAccess(session: string, accessToken: string): void {
		const tokens = this.#accessBySession.get(session) ?? new Set();
		tokens.add(accessToken);
		this.#accessBySession.set(session, tokens);
	}

	/** Forgets one refresh token (exchanged for a new one, or revoked); its grant's access tokens stay. */
	dropRefresh(token: string): void {
		this.#refresh.delete(token);
	}

	/** Revokes a refresh token; returns the access tokens its grant minted (the caller revokes them). */
	revokeRefresh(token: string): string[] {
		const found = this.#refresh.get(token);
		if (!found) {
			return [];
		}

		this.#refresh.delete(token);
		const access = [...(this.#accessBySession.get(found.session) ?? [])];
		this.#accessBySession.delete(found.session);
		return access;
	}

	/** Whether a refresh token is one this client holds (revokeToken touches only the caller's own). */
	refreshOf(token: string): RefreshGrant | undefined {
		return this.#refresh.get(token);
	}

	/** Everything goes (the emulator's `revokeAllTokens()`). */
	clear(): void {
		this.#pending.clear();
		this.#codes.clear();
		this.#refresh.clear();
		this.#accessBySession.clear();
		this.#relays.clear();
	}
}
