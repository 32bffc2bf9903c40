import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import got, {type Got} from 'got';
import sinon from 'sinon';
import {startEmulator, type Emulator, type EmulatorOptions} from '../lib/emulator/index.js';
import {NODE_SAML_MISSING, nodeSamlLoader} from '../lib/emulator/saml-sp.js';
import {withoutNock} from './helpers/local-site.js';
import {makeLocalIdp, readAuthnRequest, signedResponse, type LocalIdp, type ResponseOptions} from './helpers/saml-idp.js';

const http: Got = got.extend({throwHttpErrors: false, retry: {limit: 0}, followRedirect: false});
const OOB = 'urn:ietf:wg:oauth:2.0:oob';
const LOOPBACK = 'http://127.0.0.1:53124/callback';
const VERIFIER = 'a-verifier-of-forty-three-characters-or-more-0123456789';
const S256 = createHash('sha256').update(VERIFIER).digest('base64url');
// Never contacted: these specs play the browser and the IdP themselves.
const SSO = 'http://127.0.0.1:9/simplesaml/saml2/idp/SSOService.php';
const SP = 'portal.example.test.arcgis';

type OAuthInfo = {oauth_state: string; federationInfo?: {idpName: string; idpAuthorizeUrl: string}; [key: string]: unknown};

async function authorizePage(emulator: Emulator, query: Record<string, string> = {}) {
	return http(`${emulator.portalUrl}/sharing/rest/oauth2/authorize`, {
		searchParams: {client_id: 'demo-app', response_type: 'code', redirect_uri: OOB, code_challenge: S256, code_challenge_method: 'S256', ...query},
	});
}

const oneLine = (html: string): OAuthInfo => JSON.parse(/var oAuthInfo = (\{.*\});/.exec(html)![1]!) as OAuthInfo;

/** authorize → saml/authorize: the IdP redirect, its AuthnRequest, and the RelayState. */
async function toIdp(emulator: Emulator, query: Record<string, string> = {}) {
	const info = oneLine((await authorizePage(emulator, query)).body);
	const leg = await http(info.federationInfo!.idpAuthorizeUrl, {searchParams: {oauth_state: info.oauth_state}});
	assert.equal(leg.statusCode, 302, leg.body);
	const location = leg.headers.location!;
	return {info, location, request: readAuthnRequest(location), relayState: new URL(location).searchParams.get('RelayState')!};
}

async function postToAcs(emulator: Emulator, fields: Record<string, string>) {
	const answer = await http.post(`${emulator.portalUrl}/sharing/rest/oauth2/saml/signin`, {form: fields});
	return {status: answer.statusCode, location: answer.headers.location, body: answer.body, code: /<input[^>]*id="code"[^>]*value="([^"]+)"/.exec(answer.body)?.[1]};
}

/** A whole sign-in with a response the local IdP signs (options change what it signs). */
async function signInWith(emulator: Emulator, idp: LocalIdp, options: Partial<ResponseOptions> = {}, query: Record<string, string> = {}) {
	const leg = await toIdp(emulator, query);
	const SAMLResponse = signedResponse(idp, {inResponseTo: leg.request.id, acs: leg.request.acs, audience: SP, ...options});
	return {leg, SAMLResponse, acs: await postToAcs(emulator, {SAMLResponse, RelayState: leg.relayState})};
}

describe("the emulator's enterprise (SAML) login: the portal as a service provider", () => {
	withoutNock();
	let idp: LocalIdp;
	let emulator: Emulator | undefined;
	before(async () => {
		idp = await makeLocalIdp();
	});
	afterEach(async () => {
		sinon.restore();
		await emulator?.close();
		emulator = undefined;
	});
	const start = async (options: EmulatorOptions = {}): Promise<Emulator> => {
		emulator = await startEmulator({enterpriseLogin: {idpSsoUrl: SSO, idpIssuer: idp.issuer, idpCertificate: idp.certificate, name: 'Example AD'}, ...options});
		return emulator;
	};

	describe('the authorize page', () => {
		it('names the IdP in oAuthInfo.federationInfo (idpName, idpAuthorizeUrl) and keeps the built-in form', async () => {
			const portal = await start();
			const page = await authorizePage(portal);
			const info = oneLine(page.body);
			assert.deepEqual(info.federationInfo, {idpName: 'Example AD', idpAuthorizeUrl: `${portal.portalUrl}/sharing/rest/oauth2/saml/authorize`});
			assert.match(page.body, /<form[^>]*action="\/portal\/sharing\/oauth2\/signin"/);
			assert.match(page.body, new RegExp(`<a id="enterpriseLogin" href="${portal.portalUrl}/sharing/rest/oauth2/saml/authorize\\?oauth_state=${info.oauth_state}">Sign in with Example AD</a>`));
		});

		it("'multi-line': the pre-2019 literal over several lines ending in `};`, which the old non-greedy DOTALL pattern reads", async () => {
			const portal = await start({oAuthInfoStyle: 'multi-line'});
			const {body} = await authorizePage(portal);
			assert.equal(/var oAuthInfo = (\{.*\});/.exec(body), null, 'not one line');
			const literal = /var oAuthInfo = (\{.*?\});/s.exec(body)![1]!;
			assert.match(literal, /\n\}$/);
			assert.ok(literal.split('\n').length > 5);
			assert.equal((JSON.parse(literal) as OAuthInfo).federationInfo?.idpName, 'Example AD');
		});

		it("'nested': one line without `;`, objects nested deeper and strings with braces and `};`, so that only a real parser reads it", async () => {
			const portal = await start({oAuthInfoStyle: 'nested'});
			const {body} = await authorizePage(portal);
			const line = /var oAuthInfo = (.*)<\/script>/.exec(body)![1]!;
			const info = JSON.parse(line) as OAuthInfo & {federationInfo: {oidc: {claims: {fullName: string}}}};
			assert.equal(info.federationInfo.oidc.claims.fullName, '{given_name} {family_name}');
			assert.equal(info.federationInfo.idpAuthorizeUrl, `${portal.portalUrl}/sharing/rest/oauth2/saml/authorize`);
			assert.match((info['branding'] as {theme: {helpText: string}}).theme.helpText, /\};/);
			// What PYAPI 2.0.1 does first (non-greedy up to the first `};`): cut inside a string.
			assert.throws(() => JSON.parse(/var oAuthInfo = (\{.*?\});/.exec(body)![1]!) as unknown, SyntaxError);
			await portal.close();
			// Without an enterprise login the nesting stays, and there is still no federationInfo.
			emulator = await startEmulator({oAuthInfoStyle: 'nested'});
			const plain = JSON.parse(/var oAuthInfo = (.*)<\/script>/.exec((await authorizePage(emulator)).body)![1]!) as OAuthInfo;
			assert.equal(plain.federationInfo, undefined);
			assert.ok(plain['branding']);
		});

		it("'one-line' is the default, and an unknown style or a bad enterprise login is refused at start", async () => {
			const portal = await start();
			assert.match((await authorizePage(portal)).body, /<script>var oAuthInfo = \{.*\};<\/script>/);
			await assert.rejects(startEmulator({oAuthInfoStyle: 'yaml' as never}), /oAuthInfoStyle must be/);
			await assert.rejects(startEmulator({enterpriseLogin: {idpSsoUrl: 'ftp://x', idpIssuer: 'i', idpCertificate: idp.certificate}}), /idpSsoUrl must be an http\(s\) URL/);
			await assert.rejects(startEmulator({enterpriseLogin: {idpSsoUrl: SSO, idpIssuer: 'i', idpCertificate: 'MIIB…'}}), /idpCertificate must be a PEM certificate/);
		});
	});

	describe('oauth2/saml/authorize', () => {
		it('302s to the IdP with an AuthnRequest (HTTP-Redirect) for this ACS and SP, and a RelayState that is not the oauth_state', async () => {
			const portal = await start();
			const {location, request, relayState, info} = await toIdp(portal);
			assert.ok(location.startsWith(`${SSO}?SAMLRequest=`), location);
			assert.equal(request.destination, SSO);
			assert.equal(request.acs, `${portal.url}/portal/sharing/rest/oauth2/saml/signin`);
			assert.equal(request.issuer, SP);
			assert.ok(request.id.length > 10);
			assert.ok(relayState.length >= 32);
			assert.notEqual(relayState, info.oauth_state);
			assert.equal(portal.stats.counts['portal.oauth2.saml.authorize'], 1);
		});

		it('takes a POST too, and answers an unknown oauth_state (or an org without an enterprise login) with an error page', async () => {
			const portal = await start();
			const info = oneLine((await authorizePage(portal)).body);
			const posted = await http.post(`${portal.portalUrl}/sharing/rest/oauth2/saml/authorize`, {form: {oauth_state: info.oauth_state}});
			assert.equal(posted.statusCode, 302);
			assert.ok(posted.headers.location!.startsWith(SSO));
			const unknown = await http(`${portal.portalUrl}/sharing/rest/oauth2/saml/authorize`, {searchParams: {oauth_state: 'made-up'}});
			assert.equal(unknown.statusCode, 400);
			assert.match(unknown.body, /Invalid or expired oauth_state/);
			await portal.close();
			emulator = await startEmulator();
			const plain = await http(`${emulator.portalUrl}/sharing/rest/oauth2/saml/authorize`, {searchParams: {oauth_state: 'x'}});
			assert.equal(plain.statusCode, 400);
			assert.match(plain.body, /no enterprise login/);
		});
	});

	describe('the ACS, oauth2/saml/signin', () => {
		it('takes a signed response: the OOB code, then oauth2/token (PKCE) gives the NameID user, who is now a portal user', async () => {
			const portal = await start();
			const {acs, SAMLResponse, leg} = await signInWith(portal, idp);
			assert.equal(acs.status, 200, acs.body);
			assert.ok(acs.code, acs.body);
			const log = JSON.stringify(portal.stats.log);
			for (const secret of [SAMLResponse.slice(0, 40), leg.relayState, leg.info.oauth_state, acs.code]) {
				assert.ok(!log.includes(secret), 'the request log holds no SAMLResponse, RelayState, oauth_state or code');
			}

			assert.ok(portal.stats.log.some(entry => entry.method === 'POST' && entry.path === '/portal/sharing/rest/oauth2/saml/signin' && entry.status === 200));
			const answer = await http
				.post(`${portal.portalUrl}/sharing/rest/oauth2/token`, {form: {client_id: 'demo-app', grant_type: 'authorization_code', code: acs.code, redirect_uri: OOB, code_verifier: VERIFIER}})
				.json<{access_token?: string; username?: string}>();
			assert.equal(answer.username, 'alice');
			const self = await http(`${portal.portalUrl}/sharing/rest/community/self`, {searchParams: {f: 'json', token: answer.access_token}}).json<{username?: string; fullName?: string}>();
			assert.equal(self.username, 'alice');
			assert.equal(self.fullName, 'Alice');
			assert.equal(portal.stats.counts['portal.oauth2.saml.signin'], 1);
		});

		it('with a registered redirect URI: 302 to it with code and state', async () => {
			const portal = await start();
			const {acs} = await signInWith(portal, idp, {}, {redirect_uri: LOOPBACK, state: 'st-1'});
			assert.equal(acs.status, 302);
			const target = new URL(acs.location!);
			assert.equal(`${target.origin}${target.pathname}`, LOOPBACK);
			assert.equal(target.searchParams.get('state'), 'st-1');
			assert.ok(target.searchParams.get('code'));
		});

		const refusals: Array<[string, (idp: LocalIdp, other: LocalIdp) => Partial<ResponseOptions>, RegExp]> = [
			['a response signed with another key', (_, other) => ({signer: other}), /signature/i],
			['a signed response around an unsigned assertion', () => ({signAssertion: false}), /signature|assertion/i],
			['an unsigned response around a signed assertion', () => ({signResponse: false}), /signature/i],
			['a response for another audience', () => ({audience: 'someone-else.arcgis'}), /audience/i],
			// The subject confirmation's NotOnOrAfter is the first time node-saml checks.
			['an expired response', () => ({validForSeconds: -120}), /subject confirmation/i],
			['a response to an AuthnRequest the portal never sent', () => ({inResponseTo: '_never-sent'}), /InResponseTo/i],
		];
		for (const [what, options, reason] of refusals) {
			it(`refuses ${what}: an error page, no code, a failed login`, async () => {
				const portal = await start();
				const other = await makeLocalIdp(idp.issuer);
				const {acs} = await signInWith(portal, idp, options(idp, other));
				assert.equal(acs.status, 400);
				assert.equal(acs.code, undefined);
				assert.match(acs.body, /Enterprise sign-in failed/);
				assert.match(acs.body, reason);
				assert.equal(portal.stats.failedLogins, 1);
				assert.equal(portal.stats.counts['portal.oauth2.saml.refused'], 1);
			});
		}

		it('refuses a response from another issuer, though signed with the configured key', async () => {
			const portal = await start();
			const {acs} = await signInWith(portal, {...idp, issuer: 'https://other-idp.test/metadata'});
			assert.equal(acs.status, 400);
			assert.match(acs.body, /issuer/);
		});

		it('refuses a replay, and a response posted with the RelayState of another pending sign-in', async () => {
			const portal = await start();
			const first = await signInWith(portal, idp);
			assert.ok(first.acs.code);
			const replay = await postToAcs(portal, {SAMLResponse: first.SAMLResponse, RelayState: first.leg.relayState});
			assert.equal(replay.status, 400);
			assert.equal(replay.code, undefined);
			// Two logins under way; A's response arrives with B's RelayState.
			const a = await toIdp(portal);
			const b = await toIdp(portal);
			const swapped = await postToAcs(portal, {SAMLResponse: signedResponse(idp, {inResponseTo: a.request.id, acs: a.request.acs, audience: SP}), RelayState: b.relayState});
			assert.equal(swapped.status, 400);
			assert.match(swapped.body, /answers another sign-in/);
		});

		it('refuses a GET, a missing SAMLResponse and an unknown RelayState', async () => {
			const portal = await start();
			const leg = await toIdp(portal);
			const get = await http(`${portal.portalUrl}/sharing/rest/oauth2/saml/signin`, {searchParams: {RelayState: leg.relayState}});
			assert.equal(get.statusCode, 400);
			assert.equal((await postToAcs(portal, {RelayState: (await toIdp(portal)).relayState})).status, 400);
			const unknown = await postToAcs(portal, {SAMLResponse: signedResponse(idp, {inResponseTo: leg.request.id, acs: leg.request.acs, audience: SP}), RelayState: 'made-up'});
			assert.equal(unknown.status, 400);
			assert.match(unknown.body, /RelayState/);
		});
	});

	it('without the optional @node-saml/node-saml, an enterprise login fails at start and says how to install it', async () => {
		sinon.stub(nodeSamlLoader, 'load').rejects(Object.assign(new Error("Cannot find package '@node-saml/node-saml'"), {code: 'ERR_MODULE_NOT_FOUND'}));
		await assert.rejects(startEmulator({enterpriseLogin: {idpSsoUrl: SSO, idpIssuer: 'i', idpCertificate: idp.certificate}}), {message: NODE_SAML_MISSING});
		const plain = await startEmulator();
		await plain.close();
	});
});
