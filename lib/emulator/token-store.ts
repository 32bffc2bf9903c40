import {randomBytes} from 'node:crypto';

/** What a token is good for: the whole site, or (minted by the portal's federation exchange) one server root. */
export type TokenScope = {kind: 'site'} | {kind: 'server'; serverUrl: string};

/** How generateToken was asked to bind the token (`client=`). */
export type TokenBinding = {kind: 'none'} | {kind: 'referer'; referer: string} | {kind: 'ip'; ip: string};

type Issued = {
	username: string;
	expires: number;
	binding: TokenBinding;
	scope: TokenScope;
};

/** Why a token is refused; every reason but `missing` is ArcGIS's 498 "Invalid token". */
export type TokenVerdict =
	| {valid: true; username: string}
	| {valid: false; reason: 'missing' | 'unknown' | 'expired' | 'referer' | 'ip' | 'scope'};

/** What the request offers besides the token. */
export type Presented = {
	referer: string | undefined;
	remoteAddress: string;
	/** The server root the request is for (lower case, no trailing slash); undefined on portal routes. */
	serverRoot: string | undefined;
	refererBound: boolean;
};

/** Normalises a server URL the way both sides of the federation compare it. */
export function serverKey(url: string): string {
	return url.trim().replace(/\/+$/, '').toLowerCase();
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are one client. */
export function normaliseIp(address: string): string {
	return address.replace(/^::ffff:/i, '').toLowerCase();
}

/** Expired tokens are dropped when the table reaches this size, and again each time it doubles (amortised O(1) per mint). */
const FIRST_SWEEP = 1024;

/**
Real ArcGIS tokens are self-contained and cost the server nothing; ours are table rows. Past this
many live ones the oldest go, so a client that logs in per request cannot grow memory without bound.
*/
const MAX_LIVE_TOKENS = 200_000;

/**
The emulator's tokens: random (never derived from the password), with an expiry, an optional
Referer or IP binding and a scope. `revokeAll()` is what an administrator's "invalidate tokens" does.
*/
export class TokenStore {
	readonly #tokens = new Map<string, Issued>();
	#nextSweep = FIRST_SWEEP;

	mint(username: string, expires: number, options: {binding?: TokenBinding; scope?: TokenScope} = {}): {token: string; expires: number} {
		if (this.#tokens.size >= this.#nextSweep) {
			this.#sweep();
		}

		const token = randomBytes(32).toString('base64url');
		this.#tokens.set(token, {username, expires, binding: options.binding ?? {kind: 'none'}, scope: options.scope ?? {kind: 'site'}});
		return {token, expires};
	}

	verify(token: string | undefined, presented: Presented): TokenVerdict {
		if (token === undefined || token === '') {
			return {valid: false, reason: 'missing'};
		}

		const issued = this.#tokens.get(token);
		if (!issued) {
			return {valid: false, reason: 'unknown'};
		}

		if (issued.expires <= Date.now()) {
			return {valid: false, reason: 'expired'};
		}

		if (presented.refererBound && issued.binding.kind === 'referer' && issued.binding.referer !== presented.referer) {
			return {valid: false, reason: 'referer'};
		}

		// client=ip / requestip tokens break behind proxies for exactly this reason.
		if (issued.binding.kind === 'ip' && normaliseIp(issued.binding.ip) !== normaliseIp(presented.remoteAddress)) {
			return {valid: false, reason: 'ip'};
		}

		if (issued.scope.kind === 'server' && issued.scope.serverUrl !== presented.serverRoot) {
			return {valid: false, reason: 'scope'};
		}

		return {valid: true, username: issued.username};
	}

	revokeAll(): void {
		this.#tokens.clear();
		this.#nextSweep = FIRST_SWEEP;
	}

	get size(): number {
		return this.#tokens.size;
	}

	#sweep(): void {
		const now = Date.now();
		for (const [token, issued] of this.#tokens) {
			if (issued.expires <= now) {
				this.#tokens.delete(token);
			}
		}

		// A Map iterates in insertion order: the first keys are the oldest tokens. Down to three
		// quarters, so the next sweep is a quarter of the cap away.
		if (this.#tokens.size >= MAX_LIVE_TOKENS) {
			for (const token of this.#tokens.keys()) {
				if (this.#tokens.size <= MAX_LIVE_TOKENS * 0.75) {
					break;
				}

				this.#tokens.delete(token);
			}
		}

		this.#nextSweep = Math.min(Math.max(FIRST_SWEEP, this.#tokens.size * 2), MAX_LIVE_TOKENS);
	}
}
