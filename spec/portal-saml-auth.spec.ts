import assert from 'node:assert/strict';
import {inspect} from 'node:util';
import got from 'got';
import {setDebugSink} from '../lib/debug.js';
import {ArcGISPortalSAMLAuth, TokenAuthenticationError, createSession, type IdpStep} from '../lib/index.js';
import {fillLogin, loginForm, readForms, samlForm} from '../lib/saml/html-forms.js';
import {enterpriseStart, readOAuthInfo} from '../lib/saml/oauth-info.js';
import {SAML_PASSWORD, SAML_USER, useFakeSamlSite, type Received} from './helpers/fake-saml-site.js';
import {withoutNock} from './helpers/local-site.js';

const isCode = (code: string) => (error: unknown) => error instanceof TokenAuthenticationError && error.code === code;

/** Everything a request carried, as one string: headers, query and body. */
const wire = (received: Received) => `${JSON.stringify(received.headers)} ${received.query.toString()} ${received.body}`;

describe('oAuthInfo, read by matching braces', () => {
	const info = {oauth_state: 'st8', federationInfo: {idpAuthorizeUrl: 'https://gis.example.com/portal/sharing/rest/oauth2/saml/authorize', idpName: 'Corp'}};

	it('reads the one-line literal (ArcGIS Online since 2019), with or without a semicolon, after other code', () => {
		for (const html of [`<script>var oAuthInfo = ${JSON.stringify(info)}</script>`, `<script>var a = {"b": 1}; var oAuthInfo = ${JSON.stringify(info)};</script>`]) {
			assert.deepEqual(readOAuthInfo(html), info);
		}
	});

	it('reads the pre-2019 multi-line literal ending in }; followed by more objects', () => {
		assert.deepEqual(readOAuthInfo(`<script>\nvar oAuthInfo = ${JSON.stringify(info, null, 2)};\nvar next = {"x": {"y": 2}};\n</script>`), info);
	});

	it('reads deep nesting and strings holding braces and escaped quotes (OpenID Connect organisations)', () => {
		const nested = {...info, oidc: {a: {b: {c: {d: ['}', '{', '\\"}"']}}}, label: 'say "hi" } {'}};
		assert.deepEqual(readOAuthInfo(`var oAuthInfo = ${JSON.stringify(nested)}; var z = "}";`), nested);
	});

	it('gives undefined for a page without it, an unclosed literal, or one that is not JSON', () => {
		for (const html of ['<html>no sign-in here</html>', 'var oAuthInfo = {"oauth_state": "x"', "var oAuthInfo = {oauth_state: 'x'};", 'var oAuthInfo = null;']) {
			assert.equal(readOAuthInfo(html), undefined, html);
		}
	});

	it('takes idpAuthorizeUrl from federationInfo, else the portal’s oauth2/saml/authorize; no state, no start', () => {
		assert.equal(enterpriseStart(info, 'https://p.example.com/portal')?.idpAuthorizeUrl.href, info.federationInfo.idpAuthorizeUrl);
		assert.equal(enterpriseStart({oauth_state: 's'}, 'https://p.example.com/portal')?.idpAuthorizeUrl.href, 'https://p.example.com/portal/sharing/rest/oauth2/saml/authorize');
		assert.equal(enterpriseStart({federationInfo: {}}, 'https://p.example.com/portal'), undefined);
	});
});

describe('forms of identity-provider pages', () => {
	const base = new URL('https://idp.example.com/adfs/ls/?SAMLRequest=x');

	it('chooses the SAMLResponse form by its field, not its name, past a decoy; entities decoded, action resolved', async () => {
		const html = `<form name="hiddenform" action="/search"><input name="q" value="1"></form>
			<FORM METHOD=post ACTION='https://portal.example.com/portal/sharing/rest/oauth2/saml/signin'>
			<INPUT TYPE=hidden NAME=SAMLResponse VALUE="PHNhbWw&#x2b;PC9zYW1sPg&#61;&#61;"><input type="hidden" name="RelayState" value="a&amp;b"><input type="submit" name="go" value="Go"></FORM>`;
		const form = samlForm(await readForms(html, base), 'SAMLResponse');
		assert.equal(form?.action.href, 'https://portal.example.com/portal/sharing/rest/oauth2/saml/signin');
		assert.deepEqual(
			form?.fields.map(field => [field.name, field.value]),
			[
				['SAMLResponse', 'PHNhbWw+PC9zYW1sPg=='],
				['RelayState', 'a&b'],
			],
		);
	});

	it('fills the login form: the password field, the field that names the user, the rest as given', async () => {
		const html = `<form action=""><input type="hidden" name="AuthState" value="s"><input name="Kmsi" type="checkbox" value="true"><input type="email" name="UserName"><input type="password" name="Password"></form>`;
		const form = loginForm(await readForms(html, base))!;
		assert.equal(form.action.href, base.href, 'a form without an action submits to its page');
		assert.deepEqual(fillLogin(form, 'CORP\\alice', 'pw'), {AuthState: 's', UserName: 'CORP\\alice', Password: 'pw'});
	});
});

describe('ArcGISPortalSAMLAuth against a fake portal and identity provider (the wire of §2.6)', function () {
	this.timeout(20_000);
	withoutNock();
	const site = useFakeSamlSite();
	afterEach(() => {
		setDebugSink(undefined);
	});

	const formLogin = (options: Record<string, unknown> = {}) => new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl, username: SAML_USER, password: SAML_PASSWORD, ...options});
	const self = async (auth: ArcGISPortalSAMLAuth) => createSession({auth}).get(`${site.portalUrl}/sharing/rest/community/self?f=json`).json<{username?: string}>();

	it('logs in through the identity provider’s login form; the portal never sees the password, an IdP cookie or an Authorization header', async () => {
		const auth = formLogin();
		assert.equal((await self(auth)).username, SAML_USER);
		assert.equal(auth.username, SAML_USER);
		assert.deepEqual(site.counts, {logins: 1, codes: 1, refreshes: 0, formPosts: 1, revokes: 0});
		assert.ok(auth.refreshToken?.startsWith('refresh-'));
		for (const received of site.portalLog) {
			assert.equal(received.headers.authorization, undefined, received.path);
			assert.ok(!wire(received).includes(SAML_PASSWORD), received.path);
			assert.ok(!wire(received).includes('idp-cookie-value'), received.path);
		}

		assert.ok(
			site.idpLog.some(received => received.path === '/login' && received.body.includes(`Password=${SAML_PASSWORD}`)),
			'the password went to the identity provider',
		);
	});

	for (const style of ['legacy', 'nested'] as const) {
		it(`reads the authorize page’s oAuthInfo in the ${style} shape`, async () => {
			site.style = style;
			assert.equal((await self(formLogin())).username, SAML_USER);
		});
	}

	it('20 concurrent first requests make one enterprise login', async () => {
		const s = createSession({auth: formLogin()});
		const answers = await Promise.all(Array.from({length: 20}, async () => s.get(`${site.portalUrl}/sharing/rest/community/self?f=json`).json<{username?: string}>()));
		assert.ok(answers.every(answer => answer.username === SAML_USER));
		assert.equal(site.counts.logins, 1);
		assert.equal(site.counts.formPosts, 1);
	});

	it('a wrong password is SAML_LOGIN_FAILED: one attempt at the IdP for 20 concurrent requests, kept until reset()', async () => {
		const auth = formLogin({password: 'not-the-password'});
		const s = createSession({auth});
		const results = await Promise.allSettled(Array.from({length: 20}, async () => s.get(`${site.portalUrl}/sharing/rest/community/self?f=json`)));
		assert.ok(results.every(result => result.status === 'rejected' && isCode('SAML_LOGIN_FAILED')(result.reason)));
		const error = (results[0] as PromiseRejectedResult).reason as TokenAuthenticationError;
		assert.match(error.message, /showed its login form again: it refused the username or password/);
		assert.ok(!error.message.includes('not-the-password') && !inspect(error).includes('not-the-password') && !JSON.stringify(error).includes('not-the-password'));
		assert.equal(site.counts.formPosts, 1);
		await assert.rejects(s.get(`${site.portalUrl}/sharing/rest/community/self?f=json`), isCode('SAML_LOGIN_FAILED'));
		assert.equal(site.counts.formPosts, 1, 'kept: not tried again');
		auth.reset();
		await assert.rejects(s.get(`${site.portalUrl}/sharing/rest/community/self?f=json`), isCode('SAML_LOGIN_FAILED'));
		assert.equal(site.counts.formPosts, 2, 'after reset() it tries once more');
	});

	it('refreshes with the refresh token without going back to the identity provider', async () => {
		site.accessLifetimeSeconds = 1;
		const auth = formLogin();
		await self(auth);
		const idpRequests = site.idpLog.length;
		await new Promise(resolve => setTimeout(resolve, 700));
		assert.equal((await self(auth)).username, SAML_USER);
		assert.equal(site.counts.refreshes, 1);
		assert.equal(site.idpLog.length, idpRequests, 'no new visit to the identity provider');
		assert.equal(site.counts.logins, 1);
	});

	it('a refused refresh token makes one new enterprise login for all waiting requests', async () => {
		site.accessLifetimeSeconds = 1;
		const auth = formLogin();
		await self(auth);
		const first = auth.refreshToken;
		site.refuseRefresh = true;
		await new Promise(resolve => setTimeout(resolve, 700));
		const s = createSession({auth});
		await Promise.all(Array.from({length: 10}, async () => s.get(`${site.portalUrl}/sharing/rest/community/self?f=json`).json()));
		assert.equal(site.counts.refreshes, 1);
		assert.equal(site.counts.logins, 2);
		assert.equal(site.counts.formPosts, 2);
		assert.notEqual(auth.refreshToken, first);
	});

	it('answers an identity provider’s NTLM on its own connection; the portal gets no NTLM header', async () => {
		site.idp = 'ntlm';
		const auth = new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl, username: `EXAMPLE\\${SAML_USER}`, password: SAML_PASSWORD});
		assert.equal((await self(auth)).username, SAML_USER);
		assert.ok(site.idpLog.some(received => received.headers.authorization?.startsWith('NTLM ')));
		assert.ok(site.portalLog.every(received => received.headers.authorization === undefined));
	});

	it('a refused NTLM login at the identity provider is SAML_LOGIN_FAILED, one handshake for 20 concurrent requests', async () => {
		site.idp = 'ntlm';
		site.refuseNtlm = true;
		const s = createSession({auth: new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl, username: `EXAMPLE\\${SAML_USER}`, password: SAML_PASSWORD})});
		const results = await Promise.allSettled(Array.from({length: 20}, async () => s.get(`${site.portalUrl}/sharing/rest/community/self?f=json`)));
		assert.ok(results.every(result => result.status === 'rejected' && isCode('SAML_LOGIN_FAILED')(result.reason)));
		assert.match(((results[0] as PromiseRejectedResult).reason as Error).message, /refused the NTLM login of EXAMPLE\\alice/);
		assert.equal(site.idpLog.filter(received => received.headers.authorization?.startsWith('NTLM ')).length, 2, 'one Type 1, one Type 3');
	});

	it('no ticket and no credentials: a clear SAML_LOGIN_FAILED within seconds', async () => {
		site.idp = 'ntlm';
		const started = Date.now();
		await assert.rejects(self(new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl})), (error: unknown) => {
			assert.ok(isCode('SAML_LOGIN_FAILED')(error));
			assert.match((error as Error).message, /asks for Windows authentication .*no username and password for NTLM/);
			return true;
		});
		assert.ok(Date.now() - started < 5000);
	});

	it('reads the code from a redirect to a registered loopback URI without following it, checking the state', async () => {
		const auth = formLogin({redirectUri: 'http://127.0.0.1:9/callback'});
		assert.equal((await self(auth)).username, SAML_USER);
		site.tamperState = true;
		await assert.rejects(
			self(formLogin({redirectUri: 'http://127.0.0.1:9/callback'})),
			(error: unknown) => isCode('SAML_LOGIN_FAILED')(error) && /state that is not this sign-in/.test((error as Error).message),
		);
		assert.equal(site.counts.logins, 1, 'no token call with the foreign state');
	});

	it('takes a custom identity-provider step (an IdP the built-in steps cannot script)', async () => {
		const seen: string[] = [];
		const idpStep: IdpStep = page => {
			seen.push(page.url.pathname);
			const state = page.forms[0]?.fields.find(field => field.name === 'AuthState')?.value;
			return page.url.pathname === '/sso' ? {url: '/login', form: {AuthState: state ?? '', UserName: SAML_USER, Password: SAML_PASSWORD}} : undefined;
		};
		const auth = new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl, idpStep});
		assert.equal((await self(auth)).username, SAML_USER);
		assert.deepEqual(seen, ['/sso', '/login']);
	});

	it('a sign-in page without oAuthInfo, and an IdP page with neither form, are SAML_LOGIN_FAILED naming the step and host', async () => {
		const elsewhere = new ArcGISPortalSAMLAuth('saml-app', {portal: `${site.idpUrl}/portal`, username: SAML_USER, password: SAML_PASSWORD});
		await assert.rejects(
			got(`${site.idpUrl}/portal/sharing/rest/community/self?f=json`, {hooks: elsewhere.hooks}),
			(error: unknown) =>
				isCode('SAML_LOGIN_FAILED')(error) && /sign-in page at .*\/portal\/sharing\/rest\/oauth2\/authorize answered HTTP 404 without a usable oAuthInfo/.test((error as Error).message),
		);
		await assert.rejects(
			self(new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl})),
			(error: unknown) => isCode('SAML_LOGIN_FAILED')(error) && /shows a login form: give the options username and password/.test((error as Error).message),
		);
	});

	it('never shows the SAMLResponse, the code, the password or a token in the debug trace', async () => {
		const lines: string[] = [];
		setDebugSink(line => lines.push(line));
		const auth = formLogin();
		await self(auth);
		const trace = lines.join('\n');
		assert.match(trace, /saml: posting the SAML message to/);
		for (const secret of [SAML_PASSWORD, `signed:${SAML_USER}`, auth.refreshToken!, auth.token!, 'idp-cookie-value']) {
			assert.ok(!trace.includes(secret), secret);
		}

		assert.doesNotMatch(trace, /code=[0-9a-f]{24}/);
	});

	it('checks its options: username and password together, functions where functions go', () => {
		assert.throws(() => new ArcGISPortalSAMLAuth('saml-app', {username: 'a'}), isCode('INVALID_OPTION'));
		assert.throws(() => new ArcGISPortalSAMLAuth('', {}), isCode('INVALID_OPTION'));
		assert.throws(() => new ArcGISPortalSAMLAuth('saml-app', {idpStep: 'no' as unknown as IdpStep}), isCode('INVALID_OPTION'));
		assert.throws(() => new ArcGISPortalSAMLAuth('saml-app', {idpUserAgent: 'a\r\nb'}), isCode('INVALID_OPTION'));
	});

	it('sends the IdP its own User-Agent, and the portal got’s', async () => {
		const agent = 'Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko';
		await self(formLogin({idpUserAgent: agent}));
		assert.ok(site.idpLog.every(received => received.headers['user-agent'] === agent));
		assert.ok(site.portalLog.every(received => received.headers['user-agent'] !== agent));
	});

	it('starts from a refresh token of an earlier login, and logs in again only when the portal refuses it', async () => {
		const first = formLogin();
		await self(first);
		const idpRequests = site.idpLog.length;
		const later = formLogin({refreshToken: first.refreshToken});
		assert.equal((await self(later)).username, SAML_USER);
		assert.equal(site.idpLog.length, idpRequests, 'no visit to the identity provider');
		assert.equal(site.counts.refreshes, 1);
		site.refuseRefresh = true;
		const refused = formLogin({refreshToken: first.refreshToken});
		assert.equal((await self(refused)).username, SAML_USER);
		assert.equal(site.counts.logins, 2, 'the refused refresh token led to one new enterprise login');
	});

	it('signOut revokes the refresh token at the portal; a later request makes a new enterprise login', async () => {
		const auth = formLogin();
		await self(auth);
		const first = auth.refreshToken;
		await auth.signOut();
		assert.equal(site.counts.revokes, 1);
		assert.ok(site.portalLog.some(received => received.path.endsWith('/oauth2/revokeToken') && received.body.includes(`auth_token=${first!}`)));
		assert.equal((await self(auth)).username, SAML_USER);
		assert.equal(site.counts.logins, 2);
		assert.equal(site.counts.refreshes, 0, 'the revoked refresh token was not tried');
	});
});
