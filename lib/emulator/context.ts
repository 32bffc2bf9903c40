import {IisWindowsAuth} from './iis-windows-auth.js';
import {OAuthSessions} from './oauth-sessions.js';
import type {ResolvedEmulatorOptions} from './options.js';
import type {EmulatorRequest} from './request.js';
import {restError, adminError, withStatus, type Reply} from './responses.js';
import type {EmulatorStats} from './stats.js';
import {TokenStore} from './token-store.js';

/** The emulator's state, shared by its routes. */
export type EmulatorContext = {
	options: ResolvedEmulatorOptions;
	readonly tokens: TokenStore;
	/** The portal's OAuth sign-ins, codes and refresh tokens. */
	readonly oauth: OAuthSessions;
	readonly stats: EmulatorStats;
	readonly origin: string;
	/** Failed logins per user, for the lockout switch. */
	readonly failures: Map<string, number>;
	/** Admin API: the state of each service (`name.Type` → started or not). */
	readonly services: Map<string, boolean>;
	/** The web tier's NTLM handshakes and signed-in connections (option `webTier`). */
	readonly windowsAuth: IisWindowsAuth;
	/** Portal users and their roles. */
	readonly portalUsers: Map<string, {fullName: string; role: string}>;
};

/** The state of a new emulator; `origin` is read once it listens. */
export function createContext(options: ResolvedEmulatorOptions, stats: EmulatorStats, origin: () => string): EmulatorContext {
	return {
		options,
		tokens: new TokenStore(),
		oauth: new OAuthSessions(),
		stats,
		get origin() {
			return origin();
		},
		failures: new Map(),
		services: new Map(),
		windowsAuth: new IisWindowsAuth(),
		portalUsers: new Map([...options.users.keys()].map(name => [name, {fullName: name, role: 'org_admin'}])),
	};
}

/** A route answers its requests (the SAML ones asynchronously), or returns undefined for a path that is not its own. */
export type Route = (request: EmulatorRequest, context: EmulatorContext) => Reply | Promise<Reply> | undefined;

/**
Who a request is signed in as, once requireToken let it through: the client certificate's user
(PKI), the token's owner, or the user the web tier's NTLM login signed the connection in as.
Undefined for an anonymous request.
*/
export function signedInUser(request: EmulatorRequest, context: EmulatorContext): string | undefined {
	if (request.certificateUser !== undefined) {
		return request.certificateUser;
	}

	const owner = request.token === undefined ? undefined : context.tokens.owner(request.token);
	return owner ?? request.webTierUser;
}

/**
The one place that decides whether a request's token is good, and answers as ArcGIS does when it is
not: 499 "Token Required" when missing, 498 "Invalid token" when expired, revoked, bound to another
Referer or minted for another server. Undefined when the request may go on.
*/
export function requireToken(
	request: EmulatorRequest,
	context: EmulatorContext,
	options: {serverRoot?: string; adminShape?: boolean; bodyOnly?: boolean; federated?: boolean} = {},
): Reply | undefined {
	// The web tier (or a client certificate) authenticated the connection; ArcGIS then needs no
	// token — except on a federated server, which knows users only by the server tokens of its portal.
	if (!options.federated && (request.webTierUser !== undefined || request.certificateUser !== undefined)) {
		return undefined;
	}

	// The 11.x Administrator API wants the token in the body of a POST.
	const token = options.bodyOnly && request.tokenIn !== 'body' ? undefined : request.token;
	const check = context.tokens.check(token, {referer: request.referer, serverRoot: options.serverRoot, serverOnly: options.federated, refererBound: context.options.refererBound});
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
