/**
The `oAuthInfo` object of a portal's sign-in page (`var oAuthInfo = {…}`), parsed as JSON. The
literal is found by matching braces from its first `{`, skipping strings (with their escapes), so it
does not matter whether it ends in `};` (before ArcGIS Online's March 2019 change), on its own line,
or after other code on the same line, nor how deeply it nests (OpenID Connect organisations) or
which braces its strings hold — the regular expressions of the Python original and of the ArcGIS
API for Python broke on each of those. Undefined when there is none or it is not JSON.
*/
export function readOAuthInfo(html: string): Record<string, unknown> | undefined {
	const declaration = /\boAuthInfo\s*=\s*/.exec(html);
	if (!declaration) {
		return undefined;
	}

	const start = declaration.index + declaration[0].length;
	if (html[start] !== '{') {
		return undefined;
	}

	const end = matchingBrace(html, start);
	if (end === undefined) {
		return undefined;
	}

	try {
		const value: unknown = JSON.parse(html.slice(start, end + 1));
		return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

/** The index of the `}` that closes the `{` at `start`, outside strings; undefined when it never closes. */
function matchingBrace(text: string, start: number): number | undefined {
	let depth = 0;
	let quote: string | undefined;
	for (let index = start; index < text.length; index++) {
		const char = text[index];
		if (quote !== undefined) {
			if (char === '\\') {
				index++;
			} else if (char === quote) {
				quote = undefined;
			}

			continue;
		}

		if (char === '"' || char === "'") {
			quote = char;
		} else if (char === '{') {
			depth++;
		} else if (char === '}') {
			depth--;
			if (depth === 0) {
				return index;
			}
		}
	}

	return undefined;
}

/** Where the enterprise login starts, and the state that ties it to this sign-in. */
export type EnterpriseStart = {oauthState: string; idpAuthorizeUrl: URL; idpName: string | undefined};

/**
What the flow needs from `oAuthInfo`: `oauth_state`, and `federationInfo.idpAuthorizeUrl` (else the
portal's `oauth2/saml/authorize`, which is where it points in practice). Undefined without a state.
*/
export function enterpriseStart(info: Record<string, unknown>, portalRoot: string): EnterpriseStart | undefined {
	const state = info.oauth_state;
	if (typeof state !== 'string' || state === '') {
		return undefined;
	}

	const federation = (typeof info.federationInfo === 'object' && info.federationInfo !== null ? info.federationInfo : {}) as {idpAuthorizeUrl?: unknown; idpName?: unknown};
	const name = federation.idpName ?? info.idpName;
	let idpAuthorizeUrl = new URL(`${portalRoot}/sharing/rest/oauth2/saml/authorize`);
	if (typeof federation.idpAuthorizeUrl === 'string') {
		try {
			idpAuthorizeUrl = new URL(federation.idpAuthorizeUrl, `${portalRoot}/`);
		} catch {
			// A field we cannot read: the portal's own endpoint is where it points anyway.
		}
	}

	return {oauthState: state, idpAuthorizeUrl, idpName: typeof name === 'string' ? name : undefined};
}
