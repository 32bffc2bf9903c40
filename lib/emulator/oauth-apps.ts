import {isLoopbackHost} from '../site/transport.js';

/** An OAuth app registered with the emulator's portal. */
export type OAuthApp = {
	/** Its client secret; an app without one (a public client) cannot use `client_credentials`. */
	secret?: string;
	/** Its registered redirect URIs (`urn:ietf:wg:oauth:2.0:oob` is accepted for every app, as ArcGIS does). */
	redirectUris?: string[];
};

/** The OOB redirect ArcGIS accepts for every app: the code is shown on a page for a person to paste. */
export const OOB_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob';

/** The default app: a fixture, so its secret is no secret (the CLI prints it). */
export const DEMO_APP: Readonly<{clientId: string; secret: string; redirectUris: readonly string[]}> = {
	clientId: 'demo-app',
	secret: 'demo-app-secret-1',
	redirectUris: [OOB_REDIRECT, 'http://127.0.0.1/callback', 'http://localhost/callback'],
};

export type ResolvedOAuthApp = {secret: string | undefined; redirectUris: string[]};

function fail(message: string): never {
	throw new TypeError(`got-arcgis-auth emulator: ${message}`);
}

/** The `oauthApps` option checked: client id → app. Default: the demo app alone. */
export function resolveOAuthApps(value: unknown): Map<string, ResolvedOAuthApp> {
	if (value === undefined) {
		return new Map([[DEMO_APP.clientId, {secret: DEMO_APP.secret, redirectUris: [...DEMO_APP.redirectUris]}]]);
	}

	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		fail('option oauthApps must map client ids to {secret?, redirectUris?}.');
	}

	const apps = new Map<string, ResolvedOAuthApp>();
	for (const [clientId, app] of Object.entries(value as Record<string, unknown>)) {
		const {secret, redirectUris} = (app ?? {}) as OAuthApp;
		if (clientId === '' || typeof app !== 'object' || app === null) {
			fail(`option oauthApps: ${JSON.stringify(clientId)} must be a non-empty client id mapped to {secret?, redirectUris?}.`);
		}

		if (secret !== undefined && (typeof secret !== 'string' || secret === '')) {
			fail(`option oauthApps: the secret of ${JSON.stringify(clientId)} must be a non-empty string when given.`);
		}

		if (redirectUris !== undefined && (!Array.isArray(redirectUris) || redirectUris.some(uri => typeof uri !== 'string' || uri === ''))) {
			fail(`option oauthApps: the redirectUris of ${JSON.stringify(clientId)} must be a list of URIs.`);
		}

		apps.set(clientId, {secret, redirectUris: [...(redirectUris ?? [])]});
	}

	return apps;
}

function parse(uri: string): URL | undefined {
	try {
		return new URL(uri);
	} catch {
		return undefined;
	}
}

/**
Whether `uri` may be the redirect of an app registered with `registered`. The OOB URI always; else
an exact match — except that a registered plain-http loopback URI (127.0.0.1, [::1], localhost)
matches whatever the port, as RFC 8252 §7.3 asks of a native app's loopback redirect (the CLI
listens on a free port). ArcGIS's own rule for loopback ports is not documented (enterprise-identity.md §2.5).
*/
export function redirectUriAllowed(registered: readonly string[], uri: string): boolean {
	if (uri === OOB_REDIRECT || registered.includes(uri)) {
		return true;
	}

	const wanted = parse(uri);
	if (wanted?.protocol !== 'http:' || !isLoopbackHost(wanted.hostname)) {
		return false;
	}

	return registered.some(candidate => {
		const known = parse(candidate);
		return known?.protocol === 'http:' && known.hostname === wanted.hostname && known.pathname === wanted.pathname && known.search === wanted.search;
	});
}
