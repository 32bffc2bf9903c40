import {randomBytes} from 'node:crypto';

/** What a token is good for: the whole site, or (federation) one server root. */
export type TokenScope = {kind: 'site'} | {kind: 'server'; serverUrl: string};

/**
Which service minted a token: ArcGIS Server's tokens/, its admin/, the portal, the portal's federation
exchange, `issueToken()`, the portal's `oauth2/token` for an app (`client_credentials`), or for a
user (`oauth`: an OAuth access token from the authorization-code or refresh grants).
*/
export type TokenKind = 'server' | 'admin' | 'portal' | 'federated' | 'issued' | 'app' | 'oauth';

type Issued = {
	/** The user; empty for a token held by an app (no user). */
	username: string;
	/** The client id of the app that holds the token (an app token, or a server token exchanged for one). */
	app: string | undefined;
	expires: number;
	/** Set for client=referer tokens: requests must carry this Referer. */
	referer: string | undefined;
	scope: TokenScope;
	kind: TokenKind;
};

export type TokenCheck = 'valid' | 'missing' | 'invalid';

/** A server root as server-scoped tokens name it: lower case, no trailing slash (ArcGIS paths ignore case). */
export function serverKey(url: string): string {
	return url.replace(/\/+$/, '').toLowerCase();
}

/**
The emulator's tokens: random (never derived from the password), with an expiry, an optional
referer binding and a scope; `revokeAll()` is what an administrator's "invalidate tokens" does.
*/
export class TokenStore {
	readonly #tokens = new Map<string, Issued>();

	/** A token for a user, or (with `app`, and an empty username) for an app. */
	mint(username: string, lifetimeMs: number, options: {referer?: string; scope?: TokenScope; kind: TokenKind; app?: string}): {token: string; expires: number} {
		this.#sweep();
		const token = randomBytes(24).toString('base64url');
		const expires = Date.now() + lifetimeMs;
		this.#tokens.set(token, {username, app: options.app, expires, referer: options.referer, scope: options.scope ?? {kind: 'site'}, kind: options.kind});
		return {token, expires};
	}

	/**
	Whether a token is good for a request with that Referer, to that server root. A federated server
	(`serverOnly`) takes only a server token minted for it, never the portal's own token. An app's
	own token is a portal token: only the portal (no `serverRoot`) takes it, not the standalone server.
	*/
	check(token: string | undefined, request: {referer: string | undefined; serverRoot?: string; serverOnly?: boolean; refererBound: boolean}): TokenCheck {
		if (token === undefined || token === '') {
			return 'missing';
		}

		const issued = this.#tokens.get(token);
		if (!issued || issued.expires <= Date.now()) {
			return 'invalid';
		}

		if (request.refererBound && issued.referer !== undefined && issued.referer !== request.referer) {
			return 'invalid';
		}

		if (issued.scope.kind === 'server' ? issued.scope.serverUrl !== request.serverRoot : request.serverOnly === true) {
			return 'invalid';
		}

		if (issued.app !== undefined && issued.scope.kind === 'site' && request.serverRoot !== undefined) {
			return 'invalid';
		}

		return 'valid';
	}

	/** The user a token belongs to; undefined for an app's token (it has no user). */
	owner(token: string): string | undefined {
		const issued = this.#tokens.get(token);
		return issued?.app === undefined ? issued?.username : undefined;
	}

	/** The client id of the app that holds a token, if an app does. */
	appOf(token: string | undefined): string | undefined {
		return token === undefined ? undefined : this.#tokens.get(token)?.app;
	}

	/** Which service minted a token the emulator knows (revoked or expired ones included until swept). */
	kindOf(token: string | undefined): TokenKind | undefined {
		return token === undefined ? undefined : this.#tokens.get(token)?.kind;
	}

	/** Revokes one token (OAuth's revokeToken); an unknown one is no error. */
	revoke(token: string): void {
		this.#tokens.delete(token);
	}

	revokeAll(): void {
		this.#tokens.clear();
	}

	/** Revokes the server tokens minted for one server root only. */
	revokeServer(serverUrl: string): void {
		for (const [token, issued] of this.#tokens) {
			if (issued.scope.kind === 'server' && issued.scope.serverUrl === serverUrl) {
				this.#tokens.delete(token);
			}
		}
	}

	get size(): number {
		return this.#tokens.size;
	}

	/** Expired tokens go, so a long soak does not grow the table without bound. */
	#sweep(): void {
		if (this.#tokens.size < 1000) {
			return;
		}

		const now = Date.now();
		for (const [token, issued] of this.#tokens) {
			if (issued.expires <= now) {
				this.#tokens.delete(token);
			}
		}
	}
}
