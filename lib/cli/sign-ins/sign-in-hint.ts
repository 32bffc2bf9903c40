import type {TokenAuthenticationError} from '../../errors.js';
import {SignInStore} from './sign-in-store.js';

/**
The command that mends a refused stored sign-in, for SIGN_IN_REQUIRED: the portal from the token
URL the error names, the client id from the stored sign-in. Empty for any other error.
*/
export function signInHint(error: TokenAuthenticationError, io: {env: NodeJS.ProcessEnv}): string {
	if (error.code !== 'SIGN_IN_REQUIRED' || error.url === undefined) {
		return '';
	}

	const url = new URL(error.url);
	const portal = `${url.origin}${url.pathname.replace(/\/sharing\/rest\/oauth2\/[^/]*$/i, '')}`;
	let clientId: string | undefined;
	try {
		clientId = new SignInStore(io.env).find(portal)?.clientId;
	} catch {
		clientId = undefined;
	}

	return `Sign in again: arcgis-auth login ${portal} --client-id ${clientId ?? 'ID'}\n`;
}
