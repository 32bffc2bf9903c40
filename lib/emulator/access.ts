import type {EmulatorContext} from './context.js';
import type {ErrorStyle} from './options.js';
import type {EmulatorRequest} from './request.js';
import {adminError, tokenError, type Reply} from './responses.js';
import {serverKey, type TokenVerdict} from './token-store.js';

/** Who a request acts as: a token's owner, or the user the web tier let through. */
export type Caller = {username: string; admin: boolean; via: 'token' | 'web-tier'};

export type Guard = {
	/** Which product is asked: server tokens from the federation exchange are good for their server only. */
	scope: 'server' | 'portal' | 'admin';
	/** Answer a bad token with its code as the HTTP status whatever `errorsAs` says (tiles, images). */
	errorsAs?: ErrorStyle;
};

export type Access = {caller: Caller; denied?: undefined} | {caller?: undefined; denied: Reply};

/** The server root as tokens are scoped to it. */
export const serverRoot = (context: EmulatorContext): string => serverKey(`${context.origin}/arcgis`);

/**
Behind IIS Integrated Windows Authentication the web tier has authenticated the caller before
ArcGIS sees the request, and ArcGIS needs no token. The emulator does not check Kerberos or NTLM:
any `Authorization` header passes, as the first configured user.
*/
export function webTierCaller(request: EmulatorRequest, context: EmulatorContext): Caller | undefined {
	if (!context.options.webTier || request.authScheme === undefined) {
		return undefined;
	}

	const [username, user] = [...context.options.users][0]!;
	return {username, admin: user.admin, via: 'web-tier'};
}

/** The request's token, judged; for routes that also serve anonymous callers (portals/self). */
export function verifyToken(request: EmulatorRequest, context: EmulatorContext, scope: Guard['scope']): TokenVerdict {
	// The 11.x Administrator API reads a POST's token from its form body only.
	const token = scope === 'admin' && request.method === 'POST' && request.tokenIn !== 'body' ? undefined : request.token;
	return context.tokens.verify(token, {
		referer: request.referer,
		remoteAddress: request.remoteAddress,
		serverRoot: scope === 'portal' ? undefined : serverRoot(context),
		refererBound: context.options.refererBound,
	});
}

/**
The one place that decides whether a request may go on, and answers as ArcGIS does when not: 499
"Token Required" when the token is missing, 498 "Invalid token" when it is unknown, expired,
revoked, bound to another Referer or IP, or minted for another server — in the Administrator API's
own shape under `/admin`, where a non-administrator also gets 403.
*/
export function authenticate(request: EmulatorRequest, context: EmulatorContext, guard: Guard): Access {
	const verdict = verifyToken(request, context, guard.scope);
	let caller = webTierCaller(request, context);
	// A user removed with setOptions loses the tokens they had, as a deleted account does.
	const owner = verdict.valid ? context.options.users.get(verdict.username) : undefined;
	if (!caller && verdict.valid && owner) {
		caller = {username: verdict.username, admin: owner.admin, via: 'token'};
	}

	const shape = guard.scope === 'admin' ? 'admin' : 'rest';
	if (!caller) {
		const missing = !verdict.valid && verdict.reason === 'missing';
		return {denied: tokenError(missing ? 'missing' : 'invalid', shape, guard.errorsAs ?? context.options.errorsAs)};
	}

	if (guard.scope === 'admin' && !caller.admin) {
		return {denied: adminError(403, [`User '${caller.username}' is not an administrator of this site.`])};
	}

	return {caller};
}
