import assert from 'node:assert/strict';
import {ArcGISPortalSAMLAuth, TokenAuthenticationError, createSession} from '../../lib/index.js';
import {FakeSamlSite, SAML_USER, useFakeSamlSite} from '../helpers/fake-saml-site.js';
import {withoutNock} from '../helpers/local-site.js';
import {CANARY_PASSWORD, CANARY_TOKEN, withEvidence, type Evidence} from './evidence.js';

function expectCode(error: unknown, code: string): void {
	assert.ok(
		error instanceof TokenAuthenticationError && error.code === code,
		`expected ${code}, got ${error instanceof Error ? `${(error as {code?: string}).code ?? error.name}: ${error.message}` : String(error)}`,
	);
}

type Case = [name: string, run: (evidence: Evidence, site: FakeSamlSite) => Promise<void>];

/** A handler logging in at the fake identity provider with the canary password. */
function handler(evidence: Evidence, site: FakeSamlSite, options: Record<string, unknown> = {}): ArcGISPortalSAMLAuth {
	const auth = new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl, username: SAML_USER, password: CANARY_PASSWORD, ...options});
	evidence.handlers.push(auth);
	return auth;
}

const self = (site: FakeSamlSite, auth: ArcGISPortalSAMLAuth) => createSession({auth}).get(`${site.portalUrl}/sharing/rest/community/self?f=json`, {retry: {limit: 0}});

const cases: Case[] = [
	[
		'the identity provider refuses the password and echoes it in its page: SAML_LOGIN_FAILED',
		async (evidence, site) => {
			site.password = 'another-password';
			expectCode(await evidence.failure(self(site, handler(evidence, site))), 'SAML_LOGIN_FAILED');
		},
	],
	[
		'the portal refuses the SAML response and echoes it: SAML_LOGIN_FAILED, the response in no output',
		async (evidence, site) => {
			const auth = handler(evidence, site, {
				idpStep: (page: {forms: Array<{action: URL; fields: Array<{name: string; value: string}>}>}) => {
					const form = page.forms.find(item => item.fields.some(field => field.name === 'SAMLResponse'));
					// A response the portal will not take: tampered on its way, as an attacker's would be.
					return form ? {url: form.action, form: {SAMLResponse: `${CANARY_TOKEN}-tampered`, RelayState: form.fields.find(field => field.name === 'RelayState')?.value ?? ''}} : undefined;
				},
			});
			expectCode(await evidence.failure(self(site, auth)), 'SAML_LOGIN_FAILED');
		},
	],
	[
		'the portal refuses the code and echoes the code and the verifier: OAUTH_ERROR',
		async (evidence, site) => {
			const auth = handler(evidence, site, {redirectUri: 'http://127.0.0.1:9/callback'});
			// The portal forgets the code before it is exchanged: the exchange is refused.
			site.forgetCodes = true;
			expectCode(await evidence.failure(self(site, auth)), 'OAUTH_ERROR');
		},
	],
	[
		'the refresh token is refused and the new login too: SAML_LOGIN_FAILED with neither token nor password',
		async (evidence, site) => {
			site.accessLifetimeSeconds = 1;
			const auth = handler(evidence, site);
			await self(site, auth);
			site.refuseRefresh = true;
			site.password = 'rotated-password';
			await new Promise(resolve => setTimeout(resolve, 700));
			expectCode(await evidence.failure(self(site, auth)), 'SAML_LOGIN_FAILED');
		},
	],
	[
		'an NTLM identity provider refuses the login: SAML_LOGIN_FAILED without the password',
		async (evidence, site) => {
			site.idp = 'ntlm';
			site.refuseNtlm = true;
			expectCode(await evidence.failure(self(site, handler(evidence, site, {username: `EXAMPLE\\${SAML_USER}`}))), 'SAML_LOGIN_FAILED');
		},
	],
	[
		'the identity provider goes away mid-login: NETWORK_ERROR, its URL without the query',
		async (evidence, site) => {
			await site.stopIdp();
			const error = await evidence.failure(self(site, handler(evidence, site)));
			expectCode(error, 'NETWORK_ERROR');
			assert.doesNotMatch((error as Error).message, /SAMLRequest|RelayState/);
		},
	],
];

describe('fault catalogue: SAML enterprise logins (no password, SAML response, code, verifier or token in any output)', function () {
	this.timeout(20_000);
	withoutNock();
	const site = useFakeSamlSite();
	beforeEach(() => {
		site.prefix = CANARY_TOKEN;
		site.echo = true;
		site.password = CANARY_PASSWORD;
	});

	for (const [name, run] of cases) {
		it(name, async () => {
			await withEvidence(async evidence => run(evidence, site));
		});
	}
});
