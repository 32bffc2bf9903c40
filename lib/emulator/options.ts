import {isLoopbackHost} from '../site/transport.js';
import {resolveOAuthApps, type OAuthApp, type ResolvedOAuthApp} from './oauth-apps.js';

/**
The portal as a SAML service provider: an organisation with an enterprise login (issue 16). Its
authorize page then offers the IdP (`oAuthInfo.federationInfo`), `oauth2/saml/authorize` sends the
browser to the IdP with an AuthnRequest, and `oauth2/saml/signin` (the ACS) accepts the IdP's signed
response. Needs the optional `@node-saml/node-saml` package.
*/
export type EnterpriseLogin = {
	/** The IdP's single sign-on URL (HTTP-Redirect binding), e.g. SimpleSAMLphp's `…/saml2/idp/SSOService.php`. */
	idpSsoUrl: string;
	/** The IdP's entity ID: the `Issuer` its responses must carry. */
	idpIssuer: string;
	/** The IdP's signing certificate (PEM): the response and its assertion must both be signed with its key. */
	idpCertificate: string;
	/** The portal's entity ID as the IdP knows it (the audience). Default `portal.example.test.arcgis`. */
	spEntityId?: string;
	/** The IdP's name on the sign-in page (`oAuthInfo.federationInfo.idpName`). Default `Enterprise`. */
	name?: string;
};

/** An enterprise login with its defaults; undefined when the organisation has none. */
export type ResolvedEnterpriseLogin = Required<EnterpriseLogin>;

/**
How the authorize page writes its `var oAuthInfo = …` literal, for specs of page parsers
(enterprise-identity.md §2.6): `'one-line'` — one JSON line ending in `};` (ArcGIS since 2019, the
default); `'multi-line'` — indented over several lines, ending in `};` on a line of its own (before
March 2019); `'nested'` — one line without `;`, with objects nested two deep and strings holding
braces, as OpenID Connect organisations' pages broke naive parsers.
*/
export type OAuthInfoStyle = 'one-line' | 'multi-line' | 'nested';

/** How the emulator answers an invalid or missing token. */
export type ErrorStyle = 'json' | 'status';

/** Options of {@link startEmulator}, every one optional; all but `port`, `host`, `https` and `clientCertificates` (fixed at start) can change at run time through `setOptions`. */
export type EmulatorOptions = {
	/** Port on 127.0.0.1; 0 (default) picks a free one. */
	port?: number;
	/** Loopback only: `127.0.0.1` (default), `::1` or `localhost`. */
	host?: string;
	/** Users and their passwords. Default `{demo: 'demo1234'}`. */
	users?: Record<string, string>;
	/** Longest token lifetime, in seconds (a request's `expiration` is capped at it). Default 3600. */
	tokenLifetimeSeconds?: number;
	/** `'json'`: HTTP 200 with `{"error": {"code": 498}}` as ArcGIS usually does (default); `'status'`: real HTTP 498/499. */
	errorsAs?: ErrorStyle;
	/** Tokens made with `client=referer` are valid only with the same `Referer` header. Default true. */
	refererBound?: boolean;
	/** generateToken answers `ssl: true` (an HTTPS-only organisation). Default false. */
	ssl?: boolean;
	/** Lock a user after this many failed logins (0: never, the default). */
	lockoutAfter?: number;
	/** Delay added to every response, in ms. Default 0. */
	latencyMs?: number;
	/**
	`'negotiate-ntlm'`: IIS's Integrated Windows Authentication in front of the portal and `/arcgis`:
	401 with its two challenges, NTLM logins (under `NTLM` or `Negotiate`) checked against `users`'
	passwords and bound to the connection; a Kerberos token is refused (no keytab). Default false.
	*/
	webTier?: false | 'negotiate-ntlm';
	/** How rest/info advertises the token service: `.../tokens/generateToken` (default) or `.../tokens/`. */
	tokenServicesUrlStyle?: 'generateToken' | 'trailing-slash';
	/**
	HTTPS with a self-signed certificate made at start (see `certificate` on the emulator), plus a
	plain-http listener (`httpUrl`) that redirects to it, as ArcGIS Server's 6080 → 6443. Default false.
	*/
	https?: boolean;
	/**
	Names of ArcGIS Servers federated with the emulator's portal, each at `${url}/<name>`: their
	`rest/info` names the portal as `owningSystemUrl`, and they take only server tokens the portal
	minted for them. Default `['hosting']`.
	*/
	federatedServers?: string[];
	/**
	With `https: true`: every connection must present a client certificate signed by a certificate
	authority made at start (PKI). The emulator's `clientCertificate` is one for the first user; the
	certificate's common name signs that user in, as a PKI web adaptor does. Default false.
	*/
	clientCertificates?: boolean;
	/**
	OAuth apps registered with the portal, by client id (`oauth2/token`). Default one app, `demo-app`
	with the secret `demo-app-secret-1` and the redirect URIs `urn:ietf:wg:oauth:2.0:oob`,
	`http://127.0.0.1/callback` and `http://localhost/callback` (a loopback one matches on any port).
	*/
	oauthApps?: Record<string, OAuthApp>;
	/**
	Longest lifetime of an app token from `oauth2/token` (`client_credentials`), in seconds: it caps the request's `expiration`
	(minutes; an app token's default is 120, ArcGIS's maximum 20160). Apart from `tokenLifetimeSeconds`,
	which caps generateToken only, so that app tokens keep ArcGIS's two hours by default; make it
	short for specs of expiry. Default 1209600 (20160 minutes).
	*/
	oauthTokenLifetimeSeconds?: number;
	/** Lifetime of a user's OAuth access token (authorization-code and refresh grants), in seconds. Default 1800 (ArcGIS's fixed 30 minutes). */
	oauthAccessTokenSeconds?: number;
	/**
	Longest lifetime of an OAuth refresh token, in seconds. The authorize request's `expiration`
	(minutes) sets it: unset or 0 two weeks (20160 minutes), -1 the maximum; this caps both. Default
	7776000 (90 days, ArcGIS's usual maximum); make it short for specs of expiry.
	*/
	oauthRefreshTokenSeconds?: number;
	/** Lifetime of an authorization code (single use), in seconds. Default 300. */
	oauthCodeSeconds?: number;
	/** An enterprise (SAML) login for the portal, besides its built-in accounts. Default none. */
	enterpriseLogin?: EnterpriseLogin;
	/** The shape of the authorize page's `oAuthInfo` literal. Default `'one-line'`. */
	oAuthInfoStyle?: OAuthInfoStyle;
};

export type ResolvedEmulatorOptions = Required<Omit<EmulatorOptions, 'users' | 'oauthApps' | 'enterpriseLogin'>> & {
	users: Map<string, string>;
	oauthApps: Map<string, ResolvedOAuthApp>;
	enterpriseLogin: ResolvedEnterpriseLogin | undefined;
};

const STYLES = new Set<unknown>(['one-line', 'multi-line', 'nested']);

function enterpriseLogin(value: EnterpriseLogin | undefined): ResolvedEnterpriseLogin | undefined {
	if (value === undefined) {
		return undefined;
	}

	if (!URL.canParse(value.idpSsoUrl) || !/^https?:$/.test(new URL(value.idpSsoUrl).protocol)) {
		fail(`option enterpriseLogin.idpSsoUrl must be an http(s) URL, got ${JSON.stringify(value.idpSsoUrl)}.`);
	}

	if (typeof value.idpIssuer !== 'string' || value.idpIssuer === '') {
		fail("option enterpriseLogin.idpIssuer must be the IdP's entity ID.");
	}

	if (typeof value.idpCertificate !== 'string' || !value.idpCertificate.includes('-----BEGIN CERTIFICATE-----')) {
		fail('option enterpriseLogin.idpCertificate must be a PEM certificate (-----BEGIN CERTIFICATE-----).');
	}

	return {idpSsoUrl: value.idpSsoUrl, idpIssuer: value.idpIssuer, idpCertificate: value.idpCertificate, spEntityId: value.spEntityId ?? 'portal.example.test.arcgis', name: value.name ?? 'Enterprise'};
}

const RESERVED = new Set(['arcgis', 'portal', 'redirect']);

function serverNames(value: unknown): string[] {
	if (value === undefined) {
		return ['hosting'];
	}

	if (!Array.isArray(value) || value.some(name => typeof name !== 'string' || !/^[a-z][a-z0-9-]*$/.test(name) || RESERVED.has(name)) || new Set(value).size !== value.length) {
		fail(`option federatedServers must be distinct lower-case path names (not ${[...RESERVED].join(', ')}), got ${JSON.stringify(value)}.`);
	}

	return value as string[];
}

function fail(message: string): never {
	throw new TypeError(`got-arcgis-auth emulator: ${message}`);
}

function count(name: string, value: unknown, fallback: number): number {
	if (value === undefined) {
		return fallback;
	}

	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		fail(`option ${name} must be a number of 0 or more, got ${JSON.stringify(value)}.`);
	}

	return value;
}

function oAuthInfoStyle(value: unknown): OAuthInfoStyle {
	if (value !== undefined && !STYLES.has(value)) {
		fail(`option oAuthInfoStyle must be 'one-line', 'multi-line' or 'nested', got ${JSON.stringify(value)}.`);
	}

	return (value as OAuthInfoStyle | undefined) ?? 'one-line';
}

/** Defaults and checks; an emulator is a test tool, so it listens on loopback only. */
export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
	const host = options.host ?? '127.0.0.1';
	if (!isLoopbackHost(host)) {
		fail(`host must be a loopback address (127.0.0.1, ::1, localhost), got ${JSON.stringify(host)}.`);
	}

	const users = new Map(Object.entries(options.users ?? {demo: 'demo1234'}));
	if (users.size === 0 || [...users.values()].some(password => typeof password !== 'string' || password === '')) {
		fail('option users must map at least one user name to a non-empty password.');
	}

	const errorsAs = options.errorsAs ?? 'json';
	if (errorsAs !== 'json' && errorsAs !== 'status') {
		fail("option errorsAs must be 'json' or 'status'.");
	}

	if (options.clientCertificates && !options.https) {
		fail('option clientCertificates needs https: true (client certificates are a TLS feature).');
	}

	const lifetime = count('tokenLifetimeSeconds', options.tokenLifetimeSeconds, 3600);
	if (lifetime === 0) {
		fail('option tokenLifetimeSeconds must be more than 0.');
	}

	const oauthLifetime = count('oauthTokenLifetimeSeconds', options.oauthTokenLifetimeSeconds, 20_160 * 60);
	if (oauthLifetime === 0) {
		fail('option oauthTokenLifetimeSeconds must be more than 0.');
	}

	const oauthUser = {
		oauthAccessTokenSeconds: count('oauthAccessTokenSeconds', options.oauthAccessTokenSeconds, 1800),
		oauthRefreshTokenSeconds: count('oauthRefreshTokenSeconds', options.oauthRefreshTokenSeconds, 129_600 * 60),
		oauthCodeSeconds: count('oauthCodeSeconds', options.oauthCodeSeconds, 300),
	};
	for (const [name, value] of Object.entries(oauthUser)) {
		if (value === 0) {
			fail(`option ${name} must be more than 0.`);
		}
	}

	return {
		...oauthUser,
		port: count('port', options.port, 0),
		host,
		users,
		tokenLifetimeSeconds: lifetime,
		errorsAs,
		refererBound: options.refererBound ?? true,
		ssl: options.ssl ?? false,
		lockoutAfter: count('lockoutAfter', options.lockoutAfter, 0),
		latencyMs: count('latencyMs', options.latencyMs, 0),
		webTier: options.webTier ?? false,
		tokenServicesUrlStyle: options.tokenServicesUrlStyle ?? 'generateToken',
		https: options.https ?? false,
		federatedServers: serverNames(options.federatedServers),
		clientCertificates: options.clientCertificates ?? false,
		oauthApps: resolveOAuthApps(options.oauthApps),
		oauthTokenLifetimeSeconds: oauthLifetime,
		enterpriseLogin: enterpriseLogin(options.enterpriseLogin),
		oAuthInfoStyle: oAuthInfoStyle(options.oAuthInfoStyle),
	};
}
