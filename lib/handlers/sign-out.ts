import {invalidOption} from '../errors.js';
import type {ArcGISAuthBase} from './arcgis-auth-base.js';

/**
Signs a user's OAuth session out (ArcGISPortalOAuthAuth, ArcGISPortalSAMLAuth): revokes its refresh
token at the portal's `oauth2/revokeToken` (the access tokens made from it die with it) and
forgets the tokens.
*/
export async function signOut(auth: ArcGISAuthBase, revoke: (portalRoot: string) => Promise<void>): Promise<void> {
	const portal = auth.site?.root;
	if (portal === undefined) {
		throw invalidOption('signOut needs to know the portal: give the option portal, or make a request first.');
	}

	await revoke(portal);
	auth.reset();
}
