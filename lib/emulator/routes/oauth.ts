import type {EmulatorContext, Route} from '../context.js';
import type {ResolvedEmulatorOptions} from '../options.js';
import type {EmulatorRequest} from '../request.js';
import {oauthAnswer, oauthError, type Reply} from '../responses.js';
import {loadNodeSaml} from '../saml-sp.js';
import {USER_GRANTS, revokeToken, userGrant} from './oauth-grants.js';
import {samlAuthorize, samlSignIn} from './oauth-saml.js';
import {authorize, signIn} from './oauth-signin.js';

/** An app token's lifetime when the request names none, and the most it may ask for (minutes, as ArcGIS counts them). */
const APP_TOKEN_DEFAULT_MINUTES = 120;
const APP_TOKEN_MAX_MINUTES = 20_160;

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

	if (USER_GRANTS.has(grant)) {
		context.stats.count(`portal.oauth2.token.${grant}`);
		return userGrant(grant, request, context, clientId, app);
	}

	if (grant !== 'client_credentials') {
		// Only the known grants get a counter of their own: a caller's made-up grant names stay out of the stats.
		context.stats.count('portal.oauth2.token.unsupported');
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

/** At start: an enterprise login needs the optional `@node-saml/node-saml`; fail then, with how to install it, not at the first sign-in. */
export async function prepareOAuthRoutes(options: ResolvedEmulatorOptions): Promise<void> {
	if (options.enterpriseLogin) {
		await loadNodeSaml();
	}
}

/**
The portal's OAuth 2.0 endpoints under `/portal/sharing/rest/oauth2`, and the built-in sign-in
form's target, which ArcGIS also serves without `/rest` (PYAPI 2.x posts there). With an
enterprise login, also the SAML leg: `oauth2/saml/authorize` (to the IdP) and `oauth2/saml/signin`
(the ACS).
*/
export const oauthRoutes: Route = (request, context) => {
	switch (request.path) {
		case '/portal/sharing/rest/oauth2/token': {
			return token(request, context);
		}

		case '/portal/sharing/rest/oauth2/authorize': {
			return authorize(request, context);
		}

		case '/portal/sharing/oauth2/signin':
		case '/portal/sharing/rest/oauth2/signin': {
			return signIn(request, context);
		}

		case '/portal/sharing/rest/oauth2/revoketoken': {
			return revokeToken(request, context);
		}

		case '/portal/sharing/rest/oauth2/saml/authorize': {
			return samlAuthorize(request, context);
		}

		case '/portal/sharing/rest/oauth2/saml/signin': {
			return samlSignIn(request, context);
		}

		default:
	}

	return undefined;
};
