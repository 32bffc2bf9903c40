import type {EmulatorContext, Route} from '../context.js';
import type {EmulatorRequest} from '../request.js';
import type {Reply} from '../responses.js';

/** The grants ArcGIS's `oauth2/token` knows (enterprise-identity.md §2.3); the emulator serves `client_credentials` so far. */
const GRANTS = new Set(['client_credentials', 'authorization_code', 'refresh_token', 'exchange_refresh_token']);

/** An app token's lifetime when the request names none, and the most it may ask for (minutes, as ArcGIS counts them). */
const APP_TOKEN_DEFAULT_MINUTES = 120;
const APP_TOKEN_MAX_MINUTES = 20_160;

/**
ArcGIS serves OAuth token answers as text/plain and never caches them (Esri's captured headers,
enterprise-identity.md §2.3); clients must parse the JSON whatever the content type.
*/
function oauthAnswer(body: unknown): Reply {
	return {status: 200, body, contentType: 'text/plain;charset=utf-8', headers: [['cache-control', 'no-cache, no-store, must-revalidate']]};
}

/** ArcGIS's OAuth error shape, in an HTTP 200 body: `{"error": {code, error, error_description, message, details}}`. */
function oauthError(error: string, description: string): Reply {
	return oauthAnswer({error: {code: 400, error, error_description: description, message: description, details: []}});
}

/** `expiration` in minutes (default 120, at most 20160), then capped by the emulator's `oauthTokenLifetimeSeconds`. */
function appTokenSeconds(request: EmulatorRequest, context: EmulatorContext): number {
	const asked = Number(request.param('expiration'));
	const minutes = Number.isFinite(asked) && asked > 0 ? Math.min(asked, APP_TOKEN_MAX_MINUTES) : APP_TOKEN_DEFAULT_MINUTES;
	return Math.min(minutes * 60, context.options.oauthTokenLifetimeSeconds);
}

/**
`oauth2/token` (POST, or GET as the docs allow): the client id first, then the grant, then the
secret. Counted as a token call; a wrong client id or secret also as a failed login. The log keeps
the path only, never the secret or the token.
*/
function token(request: EmulatorRequest, context: EmulatorContext): Reply {
	context.stats.tokenCalls++;
	context.stats.count('portal.oauth2.token');
	const clientId = request.param('client_id') ?? '';
	const app = context.options.oauthApps.get(clientId);
	if (!app) {
		context.stats.failedLogins++;
		return oauthError('invalid_client_id', 'Invalid client_id');
	}

	const grant = request.param('grant_type');
	if (grant === undefined || grant === '') {
		return oauthError('invalid_request', 'grant_type not specified');
	}

	if (grant !== 'client_credentials') {
		// Only the known grants get a counter of their own: a caller's made-up grant names stay out of the stats.
		context.stats.count(`portal.oauth2.token.${GRANTS.has(grant) ? grant : 'unsupported'}`);
		return oauthError('unsupported_grant_type', 'Unsupported grant_type');
	}

	context.stats.count('portal.oauth2.token.client_credentials');
	if (app.secret === undefined || request.param('client_secret') !== app.secret) {
		context.stats.failedLogins++;
		return oauthError('invalid_request', 'Invalid client_secret');
	}

	const seconds = appTokenSeconds(request, context);
	const minted = context.tokens.mint('', seconds * 1000, {kind: 'app', app: clientId});
	// Whole seconds, as ArcGIS sends; a fractional test lifetime is rounded up (the token dies first).
	return oauthAnswer({access_token: minted.token, expires_in: Math.ceil(seconds)});
}

/** The portal's OAuth 2.0 endpoints under `/portal/sharing/rest/oauth2`. */
export const oauthRoutes: Route = (request, context) => {
	if (request.path === '/portal/sharing/rest/oauth2/token') {
		return token(request, context);
	}

	return undefined;
};
