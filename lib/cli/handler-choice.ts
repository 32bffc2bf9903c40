import {ArcGISPortalAuth} from '../handlers/portal-auth.js';
import {ArcGISPortalTokenAuth} from '../handlers/portal-token-auth.js';
import {ArcGISServerAuth} from '../handlers/server-auth.js';
import {ArcGISServerTokenAuth} from '../handlers/server-token-auth.js';
import type {ArcGISAuthBase} from '../handlers/arcgis-auth-base.js';
import type {AuthOptions} from '../options.js';
import {UsageError} from './exit-codes.js';

export const AUTH_KINDS = ['auto', 'server-token', 'portal-token', 'server', 'portal', 'oauth', 'none'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** `auto`: a general handler (token, else Kerberos/NTLM), portal for `/sharing/` URLs, else server. */
export function resolveAuthKind(kind: Exclude<AuthKind, 'oauth'>, url: URL): Exclude<AuthKind, 'auto' | 'oauth'> {
	if (kind !== 'auto') {
		return kind;
	}

	return /\/sharing(\/|$)/i.test(url.pathname) ? 'portal' : 'server';
}

/** The handler for a kind; token handlers need a username and password, general ones may go without (Kerberos). */
export function makeHandler(kind: Exclude<AuthKind, 'auto' | 'none' | 'oauth'>, username: string | undefined, password: string | undefined, options: AuthOptions): ArcGISAuthBase {
	if ((kind === 'server-token' || kind === 'portal-token') && (username === undefined || password === undefined)) {
		throw new UsageError(`--auth ${kind} needs --user (or ARCGIS_USERNAME) and a password.`);
	}

	switch (kind) {
		case 'server-token': {
			return new ArcGISServerTokenAuth(username!, password!, options);
		}

		case 'portal-token': {
			return new ArcGISPortalTokenAuth(username!, password!, options);
		}

		case 'server': {
			return new ArcGISServerAuth(username, password, options);
		}

		case 'portal': {
			return new ArcGISPortalAuth(username, password, options);
		}
	}
}
