import type {OAuthInfoStyle} from './options.js';

/** The HTML pages of the portal's OAuth sign-in, shaped as ArcGIS's (enterprise-identity.md §2.2, §2.6). */

/** HTML-escapes text for an element or a quoted attribute. */
export function escapeHtml(text: string): string {
	return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** JSON safe inside a `<script>`: no `<` (so no `</script>`), and no line separators JavaScript chokes on. */
function scriptJson(value: unknown, indent?: number): string {
	return JSON.stringify(value, undefined, indent).replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

/**
The `oAuthInfo` literal in the shape asked for (`OAuthInfoStyle`). The nested one adds what broke
naive parsers on OpenID Connect organisations (arcgis-python-api#1712): objects two deep, and
strings with braces and a `};` inside.
*/
function oAuthInfoScript(info: Record<string, unknown>, style: OAuthInfoStyle): string {
	if (style === 'multi-line') {
		return `<script>\nvar oAuthInfo = ${scriptJson(info, 2)};\n</script>`;
	}

	if (style === 'nested') {
		const federationInfo = info['federationInfo'] as Record<string, unknown> | undefined;
		const oidc = {issuer: 'https://login.example.test/{tenant}/v2.0', claims: {fullName: '{given_name} {family_name}', scopes: ['openid', 'profile']}};
		const nested = {
			...info,
			// Only an organisation with an enterprise login has federationInfo, nested or not.
			...(federationInfo ? {federationInfo: {...federationInfo, oidc}} : {}),
			branding: {theme: {css: 'body { color: #333 }', helpText: 'Locked out? See {help}; a note ends in };'}},
		};
		return `<script>var oAuthInfo = ${scriptJson(nested)}</script>`;
	}

	return `<script>var oAuthInfo = ${scriptJson(info)};</script>`;
}

const page = (title: string, body: string): string =>
	`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n</head>\n<body>\n${body}\n</body>\n</html>\n`;

/** What the sign-in page tells a client about the authorization (`federationInfo` only for an org with an enterprise login). */
export type SignInInfo = {
	oauthState: string;
	clientId: string;
	redirectUri: string;
	locale: string;
	/** The enterprise IdP: its name and where its leg starts (`{portal}/sharing/rest/oauth2/saml/authorize`). */
	federation?: {idpName: string; idpAuthorizeUrl: string};
	style?: OAuthInfoStyle;
	/** Re-rendered after a failed sign-in: the message, and ArcGIS's code for it. */
	error?: {message: string; code: string};
};

/**
The authorize page: `var oAuthInfo = {…};` (one JSON literal on one line, as ArcGIS has sent since
2019) and the built-in login form, which posts `oauth_state`, `username` and `password` to
`{root}/sharing/oauth2/signin` (the path PYAPI 2.x uses, without `/rest`).
*/
export function signInPage(info: SignInInfo): string {
	const oAuthInfo = {
		oauth_state: info.oauthState,
		clientId: info.clientId,
		appTitle: info.clientId,
		redirectUri: info.redirectUri,
		locale: info.locale,
		portalName: 'Emulated Portal',
		isPortal: true,
		showSocialLogins: false,
		persistOption: false,
		...(info.federation ? {federationInfo: {idpName: info.federation.idpName, idpAuthorizeUrl: info.federation.idpAuthorizeUrl}} : {}),
		...(info.error ? {messages: [info.error.message], messageCode: info.error.code} : {}),
	};
	// What the page's script does with federationInfo, as a plain link for a browser without it.
	const enterprise = info.federation
		? `<p><a id="enterpriseLogin" href="${escapeHtml(`${info.federation.idpAuthorizeUrl}?oauth_state=${encodeURIComponent(info.oauthState)}`)}">Sign in with ${escapeHtml(info.federation.idpName)}</a></p>\n`
		: '';
	const error = info.error ? `<p id="errorMessage" class="error">${escapeHtml(info.error.message)} (${info.error.code})</p>\n` : '';
	return page(
		'Sign In',
		[
			oAuthInfoScript(oAuthInfo, info.style ?? 'one-line'),
			`<h1>Sign in to Emulated Portal</h1>`,
			`<p>${escapeHtml(info.clientId)} would like to access your account.</p>`,
			`${enterprise}${error}<form id="oauth" method="post" action="/portal/sharing/oauth2/signin">`,
			`<input type="hidden" name="oauth_state" value="${escapeHtml(info.oauthState)}">`,
			`<label for="user_username">Username</label> <input type="text" id="user_username" name="username" autocomplete="username">`,
			`<label for="user_password">Password</label> <input type="password" id="user_password" name="password" autocomplete="current-password">`,
			`<button type="submit" id="signIn">Sign In</button>`,
			`</form>`,
		].join('\n'),
	);
}

/** The out-of-band page: the code in its title and in `<input id="code">`, for a person to paste. */
export function oobPage(code: string): string {
	const safe = escapeHtml(code);
	return page(
		`SUCCESS code=${code}`,
		[`<h1>OAuth2 Approval</h1>`, `<p>Please copy this code, switch to your application and paste it there:</p>`, `<input type="text" id="code" name="code" value="${safe}" readonly>`].join('\n'),
	);
}

/** An error page as the authorize endpoint shows it ("Invalid client_id / Error: 400"). */
export function errorPage(message: string, status = 400): string {
	return page('Error', `<h1>${escapeHtml(message)}</h1>\n<p>Error: ${status}</p>`);
}
