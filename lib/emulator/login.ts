import {checkLogin} from './accounts.js';
import {signedInUser, type EmulatorContext} from './context.js';
import type {EmulatorRequest} from './request.js';
import {serverKey} from './token-store.js';
import {adminError, json, restError, withStatus, type Reply} from './responses.js';

type LoginKind = 'server' | 'admin' | 'portal';

/**
generateToken as ArcGIS answers it: POST form fields, credentials never in the query (405), a
referer for client=referer, `expiration` in minutes capped by the emulator's lifetime, lockout
after N failures, and `expires` as a number — except from the admin endpoint, which sends a string.
*/
export function generateToken(request: EmulatorRequest, context: EmulatorContext, kind: LoginKind): Reply {
	context.stats.tokenCalls++;
	context.stats.count(`${kind}.generateToken`);
	if (request.query.has('username') || request.query.has('password')) {
		return restError(405, 'Method not supported', 'Generate Token request should not contain username and password in the query string.');
	}

	const username = request.form.get('username') ?? '';
	const password = request.form.get('password') ?? '';
	if (username === '' || password === '') {
		return restError(400, 'Unable to generate token.', ["'username' must be specified.", "'password' must be specified."]);
	}

	const client = request.form.get('client') ?? 'requestip';
	const referer = request.form.get('referer') ?? undefined;
	if (client === 'referer' && !referer) {
		return restError(400, 'Unable to generate token.', "'referer' must be specified when client is 'referer'.");
	}

	const verdict = checkLogin(context, username, known => known === password);
	if (verdict !== 'accepted') {
		const detail = verdict === 'locked' ? 'Too many invalid logon attempts. Try again later.' : 'Invalid username or password.';
		return kind === 'admin' ? adminError(400, ['Unable to generate token.', detail]) : restError(400, 'Unable to generate token.', [detail]);
	}

	if (kind === 'portal' && request.form.has('serverUrl')) {
		// A login for a token for one federated server (what a server client does with a federated server's token service).
		return serverToken(request, context, {username}, 'login');
	}

	const requested = Number(request.form.get('expiration'));
	const maxMs = context.options.tokenLifetimeSeconds * 1000;
	const lifetimeMs = Number.isFinite(requested) && requested > 0 ? Math.min(requested * 60_000, maxMs) : maxMs;
	const {token, expires} = context.tokens.mint(username, lifetimeMs, {referer: client === 'referer' ? referer : undefined, kind});
	return json({token, expires: kind === 'admin' ? String(expires) : expires, ssl: context.options.ssl});
}

/**
Portal token → server token (federation): `serverUrl` plus the portal `token` — or no token at all on
a connection the web tier or a client certificate authenticated. Only the emulator's federated
servers get one; an expired or revoked portal token is answered 498, so the client refreshes it.
*/
export function exchangeToken(request: EmulatorRequest, context: EmulatorContext): Reply {
	context.stats.tokenCalls++;
	context.stats.count('portal.exchangeToken');
	// Without a token, the web tier (Windows) or the client certificate (PKI) may have signed the caller in.
	const identity = request.token === undefined ? signedInUser(request, context) : undefined;
	const check = context.tokens.check(request.token, {referer: request.referer, refererBound: context.options.refererBound});
	if (identity === undefined && check === 'invalid') {
		return withStatus(restError(498, 'Invalid token.'), 498, context.options.errorsAs);
	}

	if (identity === undefined && check !== 'valid') {
		return restError(400, 'Unable to generate token.', ["Unable to get 'token' from the request or cookie, for server token."]);
	}

	// An app token (client_credentials) is exchanged like a user's: the server token is then the app's too.
	const holder = identity === undefined ? {username: context.tokens.owner(request.token!) ?? '', app: context.tokens.appOf(request.token)} : {username: identity};
	return serverToken(request, context, holder, 'exchangeToken');
}

/** A server token for the federated server named by `serverUrl`, for a user or an app; the portal makes none for other servers. */
function serverToken(request: EmulatorRequest, context: EmulatorContext, holder: {username: string; app?: string}, how: 'exchangeToken' | 'login'): Reply {
	const serverUrl = serverKey(request.form.get('serverUrl') ?? '');
	const federated = context.options.federatedServers.map(name => serverKey(`${context.origin}/${name}`));
	if (!federated.includes(serverUrl)) {
		return restError(400, 'Unable to generate token.', [`'${serverUrl}' is not a server federated with this portal.`]);
	}

	context.stats.count(`federated.${serverUrl.slice(context.origin.length + 1)}.${how}`);
	const client = request.form.get('client');
	const referer = client === 'referer' ? (request.form.get('referer') ?? undefined) : undefined;
	const {token, expires} = context.tokens.mint(holder.username, context.options.tokenLifetimeSeconds * 1000, {scope: {kind: 'server', serverUrl}, referer, kind: 'federated', app: holder.app});
	return json({token, expires, ssl: context.options.ssl});
}
