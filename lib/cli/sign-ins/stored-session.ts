import {isHostedByOnline, isOwnedBy} from '../../federation/owning-system.js';
import {ArcGISPortalOAuthAuth} from '../../handlers/portal-oauth-auth.js';
import {ArcGISPortalSAMLAuth} from '../../handlers/portal-saml-auth.js';
import type {AuthOptions} from '../../options.js';
import {deriveSiteRoot} from '../../site/site-root.js';
import {ArcGISClient} from '../../token/arcgis-client.js';
import {readSiteInfo} from '../../token/site-info.js';
import {SignInStore, type KeychainOpener as SignInStoreKeychain, type SignInRecord} from './sign-in-store.js';

/** How long the question "which portal owns this server?" may take before the CLI goes on without a stored sign-in. */
const OWNER_LOOKUP_MS = 10_000;

/** The portal a server names as its owner in `rest/info` (federated servers do), if any. */
async function owningSystemOf(root: string, options: AuthOptions): Promise<string | undefined> {
	const client = new ArcGISClient(options.verify ?? true, {}, OWNER_LOOKUP_MS);
	try {
		const info = await readSiteInfo(client, new URL(`${root}/rest/info?f=json`), new URL(`${root}/tokens/generateToken`), {});
		return 'security' in info ? info.security.owningSystemUrl : undefined;
	} catch {
		// Unreachable or not ArcGIS: the command's own request will say so in its words.
		return undefined;
	}
}

/**
The stored sign-in that serves a URL: the portal's own (its URL, or ArcGIS Online's hosting for an
Online sign-in), else the portal a server names as its owner (a federated server). Undefined when
none does; the server is asked only when there are sign-ins to match.
*/
export async function signInFor(url: URL, store: SignInStore, options: AuthOptions): Promise<SignInRecord | undefined> {
	const {records} = store.list();
	if (records.length === 0) {
		return undefined;
	}

	const root = deriveSiteRoot(url);
	const direct = records.find(record => isOwnedBy(root, record.portal) || isHostedByOnline(root, record.portal));
	if (direct) {
		return direct;
	}

	const owner = await owningSystemOf(root, options);
	return owner === undefined ? undefined : records.find(record => isOwnedBy(owner, record.portal));
}

/**
The handler of a stored sign-in: each renewed refresh token is stored again, in the same place. A
Kerberos enterprise login (`login --saml` without `-u`) is an ArcGISPortalSAMLAuth, which signs in
again by itself when the refresh token ends; any other is an ArcGISPortalOAuthAuth.
*/
export async function handlerForSignIn(record: SignInRecord, store: SignInStore, options: AuthOptions): Promise<ArcGISPortalOAuthAuth | ArcGISPortalSAMLAuth | undefined> {
	const refreshToken = await store.refreshToken(record);
	if (refreshToken === undefined) {
		return undefined;
	}

	const {portal, clientId, redirectUri, username, relogin} = record;
	const session = {
		...options,
		portal,
		refreshToken,
		redirectUri,
		...(record.refreshTokenExpires ? {refreshTokenExpires: new Date(record.refreshTokenExpires)} : {}),
		onRefreshToken: async (renewed: string, expires: Date | undefined) => {
			await store.save({portal, clientId, redirectUri, username, refreshTokenExpires: expires?.toISOString(), ...(relogin ? {relogin} : {})}, renewed);
		},
	};
	return relogin === 'saml-kerberos' ? new ArcGISPortalSAMLAuth(clientId, session) : new ArcGISPortalOAuthAuth(clientId, session);
}

/** The handler of the kept sign-in that serves `url`, if there is one (the CLI's `--auth auto` and `oauth`). */
export async function storedSignInHandler(
	url: URL,
	io: {env: NodeJS.ProcessEnv; keychain?: SignInStoreKeychain},
	options: AuthOptions,
): Promise<ArcGISPortalOAuthAuth | ArcGISPortalSAMLAuth | undefined> {
	const store = new SignInStore(io.env, io.keychain);
	const record = await signInFor(url, store, options);
	return record ? handlerForSignIn(record, store, options) : undefined;
}
