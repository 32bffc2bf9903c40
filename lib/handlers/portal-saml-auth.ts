import {SamlLoginCredential} from '../credentials/saml-login.js';
import {invalidOption} from '../errors.js';
import {OOB_REDIRECT_URI} from '../oauth/sign-in.js';
import {appRegistration, type OAuthOptions, type WebTierOptions} from '../options.js';
import type {IdpStep} from '../saml/enterprise-login.js';
import {ArcGISAuthBase} from './arcgis-auth-base.js';
import {signOut} from './sign-out.js';

export type {IdpPage, IdpRequest, IdpStep} from '../saml/enterprise-login.js';
export type {FormField, HtmlForm} from '../saml/html-forms.js';

/** How {@link ArcGISPortalSAMLAuth} logs in at the identity provider, besides the portal's options. */
export type PortalSAMLOptions = OAuthOptions &
	Pick<WebTierOptions, 'mutualAuth' | 'workstation'> & {
		/** For NTLM (`DOMAIN\\user`) or the identity provider's login form. Without them, Kerberos from the ticket cache. */
		username?: string;
		/** Goes to the identity provider only (its login form over https, or NTLM), never to the portal. */
		password?: string;
		/** The redirect URI registered for the app. The code is read from the portal's answer, never followed. Default `urn:ietf:wg:oauth:2.0:oob`. */
		redirectUri?: string;
		/** The User-Agent for the identity provider: AD FS offers Windows authentication only to the browsers it lists (`WIASupportedUserAgents`). Default: got's. */
		idpUserAgent?: string;
		/** The Kerberos service principal of the identity provider when it is not `HTTP@<its host>` (an alias, a load balancer). */
		idpSpn?: string;
		/** A step of your own for an identity provider the built-in ones cannot script (Okta's API, say): see {@link IdpStep}. */
		idpStep?: IdpStep;
		/** Called with every new refresh token (each login's, and renewals), and its expiry when known. */
		onRefreshToken?: (refreshToken: string, expires: Date | undefined) => void | Promise<void>;
		/** A refresh token of an earlier login (stored with `onRefreshToken`) to start from: the enterprise login runs only when the portal refuses it. */
		refreshToken?: string;
		/** When that refresh token expires, if known: it is then renewed a day before. */
		refreshTokenExpires?: Date;
	};

/**
Enterprise logins (SAML) without a browser — the port of the original's `ArcGISPortalSAMLAuth`.
Signs a user in to a portal whose accounts come from an identity provider such as AD FS: the
portal's authorize page, the identity provider (Windows authentication with the Kerberos ticket of
the logged-in user, or NTLM or its login form with `username` and `password`, or a step of yours),
the SAML response posted back to the portal, and the OAuth code exchanged with PKCE. Then access
tokens come from the refresh token, refreshed before they expire and once on 498/499; only when the
portal refuses the refresh token is there a new enterprise login. A refused login is
`SAML_LOGIN_FAILED`, tried once and kept until `reset()`. The `expiration` option asks for the
sign-in's lifetime in minutes. With the option `store` and a `username` and `password`, the
processes of a fleet make one enterprise login between them and share its refresh token; without
a username (the Kerberos ticket) each process logs in on its own.

```ts
const auth = new ArcGISPortalSAMLAuth('my-app-id', {portal: 'https://gis.example.com/portal'}); // Kerberos at the IdP
const s = createSession({auth});
```
*/
export class ArcGISPortalSAMLAuth extends ArcGISAuthBase {
	readonly #credential: SamlLoginCredential;

	constructor(clientId: string, options: PortalSAMLOptions = {}) {
		appRegistration('ArcGISPortalSAMLAuth', 'a client id', clientId);
		const {username, password, redirectUri, idpUserAgent, idpSpn, idpStep, onRefreshToken, refreshToken, refreshTokenExpires, mutualAuth, workstation, ...rest} = options;
		if ((username === undefined) !== (password === undefined)) {
			throw invalidOption('ArcGISPortalSAMLAuth takes username and password together (for NTLM or the login form), or neither (Kerberos).');
		}

		if (refreshTokenExpires !== undefined && !(refreshTokenExpires instanceof Date && Number.isFinite(refreshTokenExpires.getTime()))) {
			throw invalidOption('option refreshTokenExpires must be a Date.');
		}

		for (const [name, value] of Object.entries({username, password, redirectUri, idpUserAgent, idpSpn, refreshToken})) {
			if (value !== undefined && (typeof value !== 'string' || value === '' || /[\r\n]/.test(value))) {
				throw invalidOption(`option ${name} must be a non-empty string on one line.`);
			}
		}

		for (const [name, value] of Object.entries({idpStep, onRefreshToken})) {
			if (value !== undefined && typeof value !== 'function') {
				throw invalidOption(`option ${name} must be a function.`);
			}
		}

		let credential: SamlLoginCredential | undefined;
		super({name: 'ArcGISPortalSAMLAuth', product: 'portal', webTier: false}, {...rest, ...(mutualAuth ? {mutualAuth} : {}), ...(workstation ? {workstation} : {})}, ({settings, client}) => {
			credential = new SamlLoginCredential(
				{
					clientId,
					username,
					password,
					redirectUri: redirectUri ?? OOB_REDIRECT_URI,
					expiration: rest.expiration,
					userAgent: idpUserAgent,
					idpSpn,
					idpStep,
					onRefreshToken,
					refreshToken,
					refreshTokenExpires,
				},
				settings,
				client,
			);
			return credential;
		});
		this.#credential = credential!;
	}

	/** The session's refresh token once signed in (store it with its expiry, or let the handler sign in again). */
	get refreshToken(): string | undefined {
		return this.#credential.refreshToken;
	}

	/** When that refresh token expires, if known. */
	get refreshTokenExpires(): Date | undefined {
		return this.#credential.refreshTokenExpires;
	}

	/** Revokes the session's refresh token at the portal; a later request makes a new enterprise login. */
	async signOut(): Promise<void> {
		await signOut(this, async portal => this.#credential.revoke(portal));
	}
}
