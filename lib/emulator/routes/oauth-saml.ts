import type {EmulatorContext} from '../context.js';
import {errorPage} from '../oauth-pages.js';
import type {EmulatorRequest} from '../request.js';
import {htmlPage, type Reply} from '../responses.js';
import {inResponseToOf, requestIdOf, serviceProvider} from '../saml-sp.js';
import {approved} from './oauth-signin.js';

const NO_ENTERPRISE_LOGIN = 'This organization has no enterprise login';

/** A response the ACS will not take: an error page, no code; counted as a failed login. */
function refused(context: EmulatorContext, reason: string): Reply {
	context.stats.failedLogins++;
	context.stats.count('portal.oauth2.saml.refused');
	return htmlPage(errorPage(`Enterprise sign-in failed: ${reason}`), 400);
}

/**
`GET` or `POST {portal}/sharing/rest/oauth2/saml/authorize?oauth_state=…`: the start of the IdP leg
(`oAuthInfo.federationInfo.idpAuthorizeUrl`). A 302 to the IdP's SSO URL with a `SAMLRequest`
(HTTP-Redirect binding) and a `RelayState` that brings the response back to this pending sign-in;
an error page (400) for an unknown or spent `oauth_state`.
*/
export async function samlAuthorize(request: EmulatorRequest, context: EmulatorContext): Promise<Reply> {
	context.stats.count('portal.oauth2.saml.authorize');
	const login = context.options.enterpriseLogin;
	if (!login) {
		return htmlPage(errorPage(NO_ENTERPRISE_LOGIN), 400);
	}

	const oauthState = request.param('oauth_state') ?? '';
	if (!context.oauth.pending(oauthState)) {
		return htmlPage(errorPage('Invalid or expired oauth_state'), 400);
	}

	const sp = await serviceProvider(context, login, context.origin);
	const relayState = context.oauth.relayToIdp(oauthState);
	const location = await sp.getAuthorizeUrlAsync(relayState, undefined, {});
	context.oauth.expectResponse(relayState, requestIdOf(location));
	return {status: 302, headers: [['location', location]]};
}

/**
`POST {portal}/sharing/rest/oauth2/saml/signin` (`SAMLResponse`, `RelayState`): the ACS. The
`RelayState` is spent by the first response that presents it; the response must pass node-saml
(signatures, audience, times, an InResponseTo it has not seen answered), come from the
configured issuer (checked here: node-saml does not for responses) and answer the very
AuthnRequest sent for this `RelayState`. Then the sign-in goes on as the built-in form's does: the
NameID is the portal user (an account is made at the first sign-in, as ArcGIS's automatic join
does) and a code is issued — the OOB page, or a 302 to the redirect URI with `code` and `state`.
*/
export async function samlSignIn(request: EmulatorRequest, context: EmulatorContext): Promise<Reply> {
	context.stats.count('portal.oauth2.saml.signin');
	const login = context.options.enterpriseLogin;
	if (!login) {
		return htmlPage(errorPage(NO_ENTERPRISE_LOGIN), 400);
	}

	const samlResponse = request.form.get('SAMLResponse') ?? '';
	const relay = request.method === 'POST' ? context.oauth.takeRelay(request.form.get('RelayState') ?? '') : undefined;
	const pending = relay && context.oauth.pending(relay.oauthState);
	if (!relay || !pending || samlResponse === '') {
		return refused(context, 'invalid or expired RelayState');
	}

	const sp = await serviceProvider(context, login, context.origin);
	let profile: Awaited<ReturnType<typeof sp.validatePostResponseAsync>>['profile'];
	try {
		({profile} = await sp.validatePostResponseAsync({SAMLResponse: samlResponse}));
	} catch (error: unknown) {
		return refused(context, error instanceof Error ? error.message : String(error));
	}

	if (!profile?.nameID) {
		return refused(context, 'the response names no user');
	}

	// node-saml 5.1 checks idpIssuer on logout messages only: a response from another IdP that
	// shares the signing key would pass.
	if (profile.issuer !== login.idpIssuer) {
		return refused(context, `the response's issuer is not ${login.idpIssuer}`);
	}

	if (inResponseToOf(profile.getSamlResponseXml?.() ?? '') !== relay.requestId) {
		return refused(context, 'the response answers another sign-in');
	}

	const username = profile.nameID;
	if (!context.portalUsers.has(username)) {
		const fullName = typeof profile['givenName'] === 'string' ? profile['givenName'] : username;
		context.portalUsers.set(username, {fullName, role: 'org_user'});
	}

	const code = context.oauth.issueCode(relay.oauthState, username, context.options.oauthCodeSeconds * 1000)!;
	return approved(pending, code);
}
