import type {ResolvedEmulatorOptions} from './options.js';
import type {EmulatorRequest} from './request.js';
import {restError, adminError, withStatus, type Reply} from './responses.js';
import type {EmulatorStats} from './stats.js';
import type {TokenStore} from './token-store.js';

/** The emulator's state, shared by its routes. */
export type EmulatorContext = {
	options: ResolvedEmulatorOptions;
	readonly tokens: TokenStore;
	readonly stats: EmulatorStats;
	readonly origin: string;
	/** Failed logins per user, for the lockout switch. */
	readonly failures: Map<string, number>;
	/** Admin API: the state of each service (`name.Type` → started or not). */
	readonly services: Map<string, boolean>;
	/** Portal users and their roles. */
	readonly portalUsers: Map<string, {fullName: string; role: string}>;
};

/** A route answers its requests, or returns undefined for a path that is not its own. */
export type Route = (request: EmulatorRequest, context: EmulatorContext) => Reply | undefined;

/**
The one place that decides whether a request's token is good, and answers as ArcGIS does when it is
not: 499 "Token Required" when missing, 498 "Invalid token" when expired, revoked, bound to another
Referer or minted for another server. Undefined when the request may go on.
*/
export function requireToken(request: EmulatorRequest, context: EmulatorContext, options: {serverRoot?: string; adminShape?: boolean; bodyOnly?: boolean} = {}): Reply | undefined {
	if (context.options.webTier && request.headers.authorization) {
		// The web tier authenticated the connection; ArcGIS then needs no token.
		return undefined;
	}

	// The 11.x Administrator API wants the token in the body of a POST.
	const token = options.bodyOnly && request.tokenIn !== 'body' ? undefined : request.token;
	const check = context.tokens.check(token, {referer: request.referer, serverRoot: options.serverRoot, refererBound: context.options.refererBound});
	if (check === 'valid') {
		return undefined;
	}

	const code = check === 'missing' ? 499 : 498;
	const reply = options.adminShape
		? adminError(code, [code === 499 ? "Unauthorized access. Token not found. You can generate a token using the 'generateToken' operation." : 'Invalid token.'])
		: code === 499
			? restError(499, 'Token Required', [], {messageCode: 'GWM_0003'})
			: restError(498, 'Invalid token.');
	return withStatus(reply, code, context.options.errorsAs);
}
