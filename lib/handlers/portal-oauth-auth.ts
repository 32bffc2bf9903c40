import {RefreshTokenCredential, type RefreshSession} from '../credentials/refresh-token.js';
import {invalidOption} from '../errors.js';
import {OOB_REDIRECT_URI, signIn, type SignInOptions} from '../oauth/sign-in.js';
import {appRegistration, type OAuthOptions} from '../options.js';
import {ArcGISAuthBase} from './arcgis-auth-base.js';
import {signOut} from './sign-out.js';

export {OOB_REDIRECT_URI, type SignInOptions} from '../oauth/sign-in.js';

/** A sign-in's first access token, handed to the handler it makes (not part of the public options). */
const INITIAL = Symbol('initial access token');

/** What {@link ArcGISPortalOAuthAuth} starts from: a user's refresh token, and where to store its successors. */
export type PortalOAuthOptions = OAuthOptions & {
	/** The refresh token of the user's sign-in (from `arcgis-auth login`, or any OAuth sign-in of this app). */
	refreshToken: string;
	/** Called with every new refresh token (renewals, rotation), and its expiry when known: store it. */
	onRefreshToken?: (refreshToken: string, expires: Date | undefined) => void | Promise<void>;
	/** When the refresh token expires, if known: it is then renewed (exchange_refresh_token) a day before. */
	refreshTokenExpires?: Date;
	/** The redirect URI the sign-in used; the renewal repeats it. Default `urn:ietf:wg:oauth:2.0:oob`. */
	redirectUri?: string;
};

/**
A user's OAuth 2.0 session with ArcGIS Online or Portal for ArcGIS, from a refresh token: access
tokens (they live 30 minutes) from `oauth2/token`, refreshed before they expire with single flight
and once on 498/499; the refresh token renewed before it expires when its expiry is known, each new
one handed to `onRefreshToken`. A refresh token the portal refuses is `SIGN_IN_REQUIRED`, kept
until `reset()` (a network failure is not kept). Servers federated with the portal get server
tokens for the access token.

```ts
const auth = new ArcGISPortalOAuthAuth('my-app-id', {portal: 'https://www.arcgis.com', refreshToken, onRefreshToken: save});
```
*/
export class ArcGISPortalOAuthAuth extends ArcGISAuthBase {
	readonly #credential: RefreshTokenCredential;

	/**
	Signs a person in (authorization code with PKCE S256 and a checked `state`) and returns the
	handler for their session. With the default out-of-band redirect the portal shows a code to paste;
	with a loopback `redirectUri` the library listens on 127.0.0.1 for the browser's return.
	`signInExpiration` asks for the refresh token's lifetime in minutes.
	*/
	static async signIn(clientId: string, options: SignInOptions & Pick<PortalOAuthOptions, 'onRefreshToken'> = {}): Promise<ArcGISPortalOAuthAuth> {
		appRegistration('ArcGISPortalOAuthAuth.signIn', 'a client id', clientId);
		const {onRefreshToken, open, readCode, signInExpiration, timeout, signal, redirectUri, ...rest} = options;
		const {
			answer,
			redirectUri: used,
			portal,
		} = await signIn(clientId, {
			...rest,
			...(open ? {open} : {}),
			...(readCode ? {readCode} : {}),
			...(signInExpiration === undefined ? {} : {signInExpiration}),
			...(timeout === undefined ? {} : {timeout}),
			...(signal ? {signal} : {}),
			...(redirectUri === undefined ? {} : {redirectUri}),
		});
		const refreshToken = answer.refreshToken!;
		const expires = answer.refreshTokenExpiresAt === undefined ? undefined : new Date(answer.refreshTokenExpiresAt);
		const auth = new ArcGISPortalOAuthAuth(clientId, {
			...rest,
			portal,
			refreshToken,
			...(expires ? {refreshTokenExpires: expires} : {}),
			redirectUri: used,
			...(onRefreshToken ? {onRefreshToken} : {}),
			[INITIAL]: {issued: answer.issued, username: answer.username},
		} as PortalOAuthOptions);
		await onRefreshToken?.(refreshToken, expires);
		return auth;
	}

	constructor(clientId: string, options: PortalOAuthOptions) {
		appRegistration('ArcGISPortalOAuthAuth', 'a client id', clientId);
		const {
			refreshToken,
			onRefreshToken,
			refreshTokenExpires,
			redirectUri,
			[INITIAL]: initial,
			...rest
		} = (options ?? {}) as Partial<PortalOAuthOptions> & {
			[INITIAL]?: RefreshSession['initial'];
		};
		if (typeof refreshToken !== 'string' || !/^[\x21-\x7e]+$/.test(refreshToken)) {
			// Never the value: it is a secret.
			throw invalidOption('ArcGISPortalOAuthAuth needs the option refreshToken (a refresh token of this app, from arcgis-auth login or a sign-in).');
		}

		if (onRefreshToken !== undefined && typeof onRefreshToken !== 'function') {
			throw invalidOption('option onRefreshToken must be a function (refreshToken, expires) => void.');
		}

		if (refreshTokenExpires !== undefined && !(refreshTokenExpires instanceof Date && Number.isFinite(refreshTokenExpires.getTime()))) {
			throw invalidOption('option refreshTokenExpires must be a Date.');
		}

		if (redirectUri !== undefined && (typeof redirectUri !== 'string' || redirectUri.trim() === '')) {
			throw invalidOption(`option redirectUri must be the sign-in's redirect URI, such as '${OOB_REDIRECT_URI}'.`);
		}

		let credential: RefreshTokenCredential | undefined;
		super(
			{name: 'ArcGISPortalOAuthAuth', product: 'portal', webTier: false},
			rest,
			({settings, client}) =>
				(credential = new RefreshTokenCredential({clientId, refreshToken, refreshTokenExpires, redirectUri: redirectUri ?? OOB_REDIRECT_URI, onRefreshToken, initial}, settings, client)),
		);
		this.#credential = credential!;
	}

	/** The refresh token in use: the latest, after renewals (store it with its expiry). */
	get refreshToken(): string {
		return this.#credential.refreshToken;
	}

	/** When that refresh token expires, if known. */
	get refreshTokenExpires(): Date | undefined {
		return this.#credential.refreshTokenExpires;
	}

	/**
	Signs out: revokes the refresh token at the portal's `oauth2/revokeToken` (the access tokens made
	from it die with it) and forgets the tokens; later requests fail with `SIGN_IN_REQUIRED`.
	*/
	async signOut(): Promise<void> {
		await signOut(this, async portal => this.#credential.revoke(portal));
	}
}
