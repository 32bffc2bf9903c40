import {verifyToken, webTierCaller} from './access.js';
import type {EmulatorContext} from './context.js';
import type {EmulatorRequest} from './request.js';
import {adminError, json, restError, type Reply} from './responses.js';
import {serverKey, type TokenBinding} from './token-store.js';

/** Which generateToken: the server's (`/tokens/`), the Administrator API's, or the portal's (`/sharing/rest/`). */
export type LoginKind = 'server' | 'admin' | 'portal';

const UNABLE = 'Unable to generate token.';

/** `client=` as ArcGIS reads it; without one, ArcGIS binds the token to the requesting IP. */
function binding(request: EmulatorRequest): TokenBinding | Reply {
	const client = (request.param('client') ?? 'requestip').toLowerCase();
	if (client === 'referer') {
		const referer = request.param('referer');
		// details is a string here, not an array: ArcGIS is not consistent and clients must cope.
		return referer ? {kind: 'referer', referer} : restError(400, UNABLE, "'referer' must be specified when client is 'referer'.");
	}

	if (client === 'ip') {
		const ip = request.param('ip');
		return ip ? {kind: 'ip', ip} : restError(400, UNABLE, "'ip' must be specified when client is 'ip'.");
	}

	if (client === 'requestip') {
		return {kind: 'ip', ip: request.remoteAddress};
	}

	return restError(400, UNABLE, `Invalid client type '${client}'. Use referer, ip or requestip.`);
}

/** `expiration` is in minutes, and the server caps it at its own maximum. */
function expiresAt(request: EmulatorRequest, context: EmulatorContext): number {
	const requested = Number(request.param('expiration'));
	const maxMs = context.options.tokenLifetimeSeconds * 1000;
	const lifetimeMs = Number.isFinite(requested) && requested > 0 ? Math.min(requested * 60_000, maxMs) : maxMs;
	return Date.now() + lifetimeMs;
}

/**
generateToken as ArcGIS answers it: credentials in the form body only (in the query: 405, GET or
POST), a referer for client=referer, `expiration` capped, lockout after N failures in a row, and
`expires` as a number — except from the Administrator API, which sends a string of digits.
*/
export function generateToken(request: EmulatorRequest, context: EmulatorContext, kind: LoginKind): Reply {
	context.stats.tokenCalls++;
	context.stats.count(`${kind}.generateToken`);
	if (request.query.has('username') || request.query.has('password')) {
		return restError(405, 'Method not supported', 'Generate Token request should not contain username and password in the query string.');
	}

	const username = request.form.get('username') ?? '';
	const password = request.form.get('password') ?? '';
	const missing = [username === '' ? "'username' must be specified." : '', password === '' ? "'password' must be specified." : ''].filter(Boolean);
	if (missing.length > 0) {
		return restError(400, UNABLE, missing);
	}

	const bound = binding(request);
	if ('status' in bound) {
		return bound;
	}

	const user = context.options.users.get(username);
	const failures = context.failures.get(username) ?? 0;
	const locked = context.options.lockoutAfter > 0 && failures >= context.options.lockoutAfter;
	if (locked || user?.password !== password) {
		context.stats.failedLogins++;
		context.failures.set(username, failures + 1);
		const detail = locked ? 'Too many invalid logon attempts. Try again later.' : 'Invalid username or password.';
		return kind === 'admin' ? adminError(400, [UNABLE, detail]) : restError(400, UNABLE, [detail]);
	}

	context.failures.delete(username);
	if (kind === 'admin' && !user.admin) {
		return adminError(403, [UNABLE, `User '${username}' is not an administrator of this site.`]);
	}

	const {token, expires} = context.tokens.mint(username, expiresAt(request, context), {binding: bound});
	return json({token, expires: kind === 'admin' ? String(expires) : expires, ssl: context.options.ssl});
}

/**
The federation exchange: a portal token (or, behind IWA, the web tier's word) plus `serverUrl`,
no username or password → a server token good for that server only.
*/
export function exchangeToken(request: EmulatorRequest, context: EmulatorContext): Reply {
	context.stats.tokenCalls++;
	context.stats.count('portal.exchangeToken');
	const verdict = verifyToken(request, context, 'portal');
	const username = webTierCaller(request, context)?.username ?? (verdict.valid ? verdict.username : undefined);
	if (username === undefined || !context.options.users.has(username)) {
		return restError(400, UNABLE, ["Unable to get 'token' from the request or cookie, for server token."]);
	}

	const serverUrl = request.param('serverUrl') ?? '';
	if (!/^https?:\/\/[^/]/i.test(serverUrl)) {
		return restError(400, UNABLE, [`Invalid serverUrl '${serverUrl}'.`]);
	}

	const referer = request.param('referer');
	const bound: TokenBinding = request.param('client') === 'referer' && referer ? {kind: 'referer', referer} : {kind: 'none'};
	const {token, expires} = context.tokens.mint(username, expiresAt(request, context), {binding: bound, scope: {kind: 'server', serverUrl: serverKey(serverUrl)}});
	return json({token, expires, ssl: context.options.ssl});
}
