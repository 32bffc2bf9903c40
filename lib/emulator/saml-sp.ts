import {inflateRawSync} from 'node:zlib';
import {PENDING_MS} from './oauth-sessions.js';
import type {ResolvedEnterpriseLogin} from './options.js';

/** The part of `@node-saml/node-saml` the emulator uses (declared here: the package is optional). */
type SamlInstance = {
	getAuthorizeUrlAsync(relayState: string, host: string | undefined, options: Record<string, never>): Promise<string>;
	validatePostResponseAsync(form: Record<string, string>): Promise<{profile: {nameID: string; getSamlResponseXml?(): string; [attribute: string]: unknown} | null}>;
};
type NodeSaml = {SAML: new (config: Record<string, unknown>) => SamlInstance};

/** The ACS of the emulated portal, under its origin. */
export const ACS_PATH = '/portal/sharing/rest/oauth2/saml/signin';

export const NODE_SAML_MISSING = "got-arcgis-auth emulator: option enterpriseLogin needs the optional package '@node-saml/node-saml' (npm install --save-dev @node-saml/node-saml)";

/** Loads the optional package. An object with a method, so that specs can simulate its absence. */
export const nodeSamlLoader = {
	async load(): Promise<NodeSaml> {
		// A variable specifier keeps TypeScript (and bundlers) from requiring the optional package.
		const name = '@node-saml/node-saml';
		return (await import(name)) as NodeSaml;
	},
};

/** `@node-saml/node-saml`, or an error that says how to install it. */
export async function loadNodeSaml(): Promise<NodeSaml> {
	try {
		return await nodeSamlLoader.load();
	} catch (error: unknown) {
		throw new Error(NODE_SAML_MISSING, {cause: error});
	}
}

/** One SP per emulator (its InResponseTo cache must outlive requests), rebuilt when the login's settings change. */
const providers = new WeakMap<object, {key: string; sp: Promise<SamlInstance>}>();

/**
The portal's SAML service provider, as strict as a real one should be (enterprise-identity.md §5.2):
the response and its assertion signed with the IdP's key, the IdP's issuer, the portal's audience,
and an InResponseTo that names an AuthnRequest this SP sent and has not seen answered (node-saml
forgets the ID on any validation, good or bad: a replay, or a genuine response after a forged one,
is refused).
*/
export async function serviceProvider(owner: object, login: ResolvedEnterpriseLogin, origin: string): Promise<SamlInstance> {
	const key = JSON.stringify([login, origin]);
	const known = providers.get(owner);
	if (known?.key === key) {
		return known.sp;
	}

	const sp = loadNodeSaml().then(
		({SAML}) =>
			new SAML({
				entryPoint: login.idpSsoUrl,
				idpIssuer: login.idpIssuer,
				idpCert: login.idpCertificate,
				issuer: login.spEntityId,
				audience: login.spEntityId,
				callbackUrl: `${origin}${ACS_PATH}`,
				wantAssertionsSigned: true,
				wantAuthnResponseSigned: true,
				validateInResponseTo: 'always',
				requestIdExpirationPeriodMs: PENDING_MS,
				identifierFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
			}),
	);
	providers.set(owner, {key, sp});
	return sp;
}

/** The ID of the AuthnRequest in an HTTP-Redirect URL (base64 of raw DEFLATE, SAML bindings §3.4.4.1). */
export function requestIdOf(redirectUrl: string): string {
	const request = new URL(redirectUrl).searchParams.get('SAMLRequest') ?? '';
	const xml = inflateRawSync(Buffer.from(request, 'base64')).toString('utf8');
	const id = /<(?:\w+:)?AuthnRequest\b[^>]*\sID="([^"]+)"/.exec(xml)?.[1];
	if (id === undefined) {
		throw new Error('node-saml made an AuthnRequest without an ID');
	}

	return id;
}

/** The InResponseTo of a validated response's root element (signed: the response's signature covers it). */
export function inResponseToOf(responseXml: string): string | undefined {
	return /<(?:\w+:)?Response\b[^>]*\sInResponseTo="([^"]+)"/.exec(responseXml)?.[1];
}
