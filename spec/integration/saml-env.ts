import {readFileSync} from 'node:fs';
import {loopbackLookup} from './loopback-lookup.js';

/** One of the two IdPs scripts/saml/up.sh runs. */
export type SamlIdp = {ssoUrl: string; entityId: string};

/** The environment scripts/saml/up.sh writes ($SAML_DIR/env), or undefined when it is not loaded. */
export const saml = process.env.SAML_KERBEROS_IDP_SSO_URL
	? {
			/** Windows authentication at the IdP: SPNEGO (Kerberos, or NTLM inside Negotiate) on its SSO endpoint. */
			kerberos: {ssoUrl: process.env.SAML_KERBEROS_IDP_SSO_URL, entityId: process.env.SAML_KERBEROS_IDP_ENTITY_ID ?? ''} satisfies SamlIdp,
			/** SimpleSAMLphp's own login form. */
			forms: {ssoUrl: process.env.SAML_FORMS_IDP_SSO_URL ?? '', entityId: process.env.SAML_FORMS_IDP_ENTITY_ID ?? ''} satisfies SamlIdp,
			host: process.env.SAML_IDP_HOST ?? 'idp.example.test',
			certificate: readFileSync(process.env.SAML_IDP_CERT ?? '', 'utf8'),
			spEntityId: process.env.SAML_SP_ENTITY_ID ?? 'portal.example.test.arcgis',
			user: process.env.SAML_USER ?? 'alice',
			password: process.env.SAML_PASSWORD ?? '',
			domain: process.env.SAML_DOMAIN ?? 'EXAMPLE',
			realm: process.env.SAML_REALM ?? 'EXAMPLE.TEST',
		}
	: undefined;

export const HOW_TO_ENABLE = 'run scripts/iwa/up.sh, then scripts/saml/up.sh (same IWA_DIR), then `. .saml/env` (or $SAML_DIR/env) before npm test.';

/** The test host name is not in DNS: resolve it to 127.0.0.1 for these requests only. */
export const dnsLookup = loopbackLookup(hostname => saml !== undefined && hostname === saml.host);

const ENTITIES: Record<string, string> = {amp: '&', lt: '<', gt: '>', quot: '"', apos: "'"};

/** Undoes HTML escaping in an attribute value (named, decimal and hex references). */
export function unescapeHtml(text: string): string {
	return text.replaceAll(/&(#x[\da-f]+|#\d+|\w+);/gi, (whole, name: string) => {
		if (name.startsWith('#x') || name.startsWith('#X')) {
			return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
		}

		return name.startsWith('#') ? String.fromCodePoint(Number(name.slice(1))) : (ENTITIES[name] ?? whole);
	});
}

/** A page's forms: action, method and named inputs (values unescaped). */
export function formsOf(html: string): Array<{action: string; method: string; fields: Record<string, string>}> {
	return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, attributes, body]) => {
		const attribute = (text: string, name: string) => unescapeHtml(new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(text)?.[1] ?? '');
		const fields: Record<string, string> = {};
		for (const [input] of body!.matchAll(/<input\b[^>]*>/gi)) {
			const name = attribute(input, 'name');
			if (name !== '') {
				fields[name] = attribute(input, 'value');
			}
		}

		return {action: attribute(attributes!, 'action'), method: attribute(attributes!, 'method').toLowerCase() || 'get', fields};
	});
}

/** The auto-POST form that carries the SAMLResponse (chosen by its input, not by a form name: SimpleSAMLphp's has none). */
export function samlResponseForm(html: string): {action: string; fields: Record<string, string>} | undefined {
	return formsOf(html).find(form => 'SAMLResponse' in form.fields);
}
