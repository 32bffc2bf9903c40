import {randomBytes} from 'node:crypto';

/** What a token is good for: the whole site, or (federation) one server root. */
export type TokenScope = {kind: 'site'} | {kind: 'server'; serverUrl: string};

type Issued = {
	username: string;
	expires: number;
	/** Set for client=referer tokens: requests must carry this Referer. */
	referer: string | undefined;
	scope: TokenScope;
	admin: boolean;
};

export type TokenCheck = 'valid' | 'missing' | 'invalid';

/**
The emulator's tokens: random (never derived from the password), with an expiry, an optional
referer binding and a scope; `revokeAll()` is what an administrator's "invalidate tokens" does.
*/
export class TokenStore {
	readonly #tokens = new Map<string, Issued>();

	mint(username: string, lifetimeMs: number, options: {referer?: string; scope?: TokenScope; admin?: boolean} = {}): {token: string; expires: number} {
		this.#sweep();
		const token = randomBytes(24).toString('base64url');
		const expires = Date.now() + lifetimeMs;
		this.#tokens.set(token, {username, expires, referer: options.referer, scope: options.scope ?? {kind: 'site'}, admin: options.admin ?? false});
		return {token, expires};
	}

	/** Whether a token is good for a request with that Referer, to that server root. */
	check(token: string | undefined, request: {referer: string | undefined; serverRoot?: string; refererBound: boolean}): TokenCheck {
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

		if (issued.scope.kind === 'server' && issued.scope.serverUrl !== request.serverRoot) {
			return 'invalid';
		}

		return 'valid';
	}

	owner(token: string): string | undefined {
		return this.#tokens.get(token)?.username;
	}

	revokeAll(): void {
		this.#tokens.clear();
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
