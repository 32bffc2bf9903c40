import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {signInSecrets, type SignInSecrets} from '../oauth/pkce.js';
import {assertSecureTransport} from '../site/transport.js';
import {oauthUrl} from '../token/oauth-token.js';
import {fillLogin, loginForm, readForms, samlForm, type HtmlForm} from './html-forms.js';
import {asksForWindowsLogin, windowsLogin, type IdpAnswer, type WindowsLogin} from './idp-windows-login.js';
import {LoginBrowser, type BrowserSettings, type WalkRequest} from './login-browser.js';
import {enterpriseStart, readOAuthInfo} from './oauth-info.js';

/** A page of the identity provider, as a custom IdP step sees it. */
export type IdpPage = {
	/** Where the page came from. */
	url: URL;
	/** Its HTTP status. */
	status: number;
	/** The page as sent. */
	html: string;
	/** Its forms, as a browser would submit them. */
	forms: HtmlForm[];
};

/** What a custom IdP step asks for next: a request of its own (say, Okta's session redirect), or nothing to let the login go on as usual. */
export type IdpRequest = {
	/** Where to go next; a relative URL resolves against the page's. */
	url: URL | string;
	/** Default: POST when a form is given, else GET. */
	method?: 'GET' | 'POST';
	/** Fields to post as a form. */
	form?: Record<string, string>;
};

/** An identity-provider step of the caller's, tried on every page of the identity provider before the built-in ones. */
export type IdpStep = (page: IdpPage) => IdpRequest | undefined | Promise<IdpRequest | undefined>;

export type EnterpriseLoginSettings = WindowsLogin & {
	clientId: string;
	portal: string;
	redirectUri: string;
	/** The refresh token's lifetime to ask for, in minutes. */
	expiration?: number | undefined;
	userAgent?: string | undefined;
	idpStep?: IdpStep | undefined;
	verify: boolean;
	allowHttp: boolean;
	callTimeoutMs: number;
	signal?: AbortSignal | undefined;
	dnsLookup?: BrowserSettings['dnsLookup'];
};

/** What the walk ends with: the authorization code and the verifier that goes with it. */
export type EnterpriseCode = {code: string; verifier: string};

/** Redirects, form posts and 401 answers one login may take: AD FS takes about six, a chain of IdPs a few more. */
const MAX_STEPS = 25;

const failed = (message: string, url: URL | string) => new TokenAuthenticationError('SAML_LOGIN_FAILED', message, {url});

/** Origin and path only: queries along the way carry the state, a SAMLRequest or the code. */
const where = (url: URL) => `${url.origin}${url.pathname}`;

/**
The enterprise login as a browser would make it, without one: the portal's authorize page and its
`oAuthInfo`, the identity-provider leg from `idpAuthorizeUrl` (its Windows authentication or its
login form, or the caller's step), the form carrying `SAMLResponse` posted to the portal, and the
code from the portal's answer (the out-of-band page, or the redirect, read without being followed).
Every page that is not what the flow expects is SAML_LOGIN_FAILED naming the step and host, never a
secret; the password goes only to the identity provider, over https or loopback.
*/
export async function enterpriseLogin(settings: EnterpriseLoginSettings): Promise<EnterpriseCode> {
	const portalOrigin = new URL(settings.portal).origin;
	const browser = new LoginBrowser({
		verify: settings.verify,
		callTimeoutMs: settings.callTimeoutMs,
		signal: settings.signal,
		userAgent: settings.userAgent,
		portalOrigin,
		dnsLookup: settings.dnsLookup,
	});
	const secrets = signInSecrets();
	try {
		const start = await authorizePage(browser, settings, secrets);
		const walk = new Walk(browser, settings, secrets, portalOrigin);
		const code = await walk.run({url: withQuery(start.idpAuthorizeUrl, {oauth_state: start.oauthState}), method: 'GET'});
		return {code, verifier: secrets.verifier};
	} finally {
		browser.close();
	}
}

function withQuery(url: URL, query: Record<string, string>): URL {
	const copy = new URL(url.href);
	for (const [name, value] of Object.entries(query)) {
		copy.searchParams.set(name, value);
	}

	return copy;
}

async function authorizePage(browser: LoginBrowser, settings: EnterpriseLoginSettings, secrets: SignInSecrets) {
	const authorize = withQuery(oauthUrl(settings.portal, 'authorize'), {
		client_id: settings.clientId,
		response_type: 'code',
		redirect_uri: settings.redirectUri,
		state: secrets.state,
		code_challenge: secrets.challenge,
		code_challenge_method: 'S256',
		...(settings.expiration === undefined ? {} : {expiration: String(settings.expiration)}),
	});
	debug('saml: the sign-in page %s', where(authorize));
	const page = await browser.send({url: authorize, method: 'GET'});
	const info = page.statusCode === 200 ? readOAuthInfo(page.body) : undefined;
	const start = info ? enterpriseStart(info, settings.portal) : undefined;
	if (!start) {
		throw failed(
			`The portal's sign-in page at ${where(authorize)} answered HTTP ${page.statusCode} without a usable oAuthInfo (oauth_state): is the client id registered with this portal?`,
			authorize,
		);
	}

	return start;
}

/** The identity-provider leg and the return to the portal, one answer at a time. */
class Walk {
	readonly #browser: LoginBrowser;
	readonly #settings: EnterpriseLoginSettings;
	readonly #secrets: SignInSecrets;
	readonly #portalOrigin: string;
	#passwordPosted = false;
	#windowsDone = false;

	constructor(browser: LoginBrowser, settings: EnterpriseLoginSettings, secrets: SignInSecrets, portalOrigin: string) {
		this.#browser = browser;
		this.#settings = settings;
		this.#secrets = secrets;
		this.#portalOrigin = portalOrigin;
	}

	async run(first: WalkRequest): Promise<string> {
		let request = first;
		for (let step = 0; step < MAX_STEPS; step++) {
			debug('saml: %s %s', request.method, where(request.url));
			let answer = await this.#browser.send(request);
			// Each request that meets a 401 gets its own handshake (a Kerberos authenticator is single-use);
			// a refusal inside one ends the login.
			if (asksForWindowsLogin(answer) && !this.#onPortal(answer.url)) {
				this.#windowsDone = true;
				debug('saml: %s asks for Windows authentication', answer.url.host);
				const again = request;
				answer = await windowsLogin(answer, async authorization => this.#browser.send({...again, authorization}), this.#settings);
			}

			const next = await this.#next(answer);
			if (typeof next === 'string') {
				return next;
			}

			request = next;
		}

		throw failed(`The enterprise login took more than ${MAX_STEPS} steps without reaching the portal with a SAML response (a redirect loop at the identity provider?).`, first.url);
	}

	/** The code, or the next request the answer calls for. */
	async #next(answer: IdpAnswer): Promise<string | WalkRequest> {
		const {url, statusCode} = answer;
		const location = answer.headers.location;
		if (statusCode >= 300 && statusCode < 400 && typeof location === 'string') {
			const target = new URL(location, url);
			return this.#codeFromRedirect(target) ?? {url: target, method: 'GET'};
		}

		if (statusCode === 401) {
			throw failed(`The identity provider at ${url.host} refused the login (HTTP 401)${this.#windowsDone ? ' after the Windows authentication' : ''}; it is not tried again.`, where(url));
		}

		if (statusCode !== 200) {
			throw failed(`${this.#onPortal(url) ? 'The portal' : `The identity provider at ${url.host}`} answered HTTP ${statusCode} at ${where(url)} during the enterprise login.`, where(url));
		}

		if (this.#onPortal(url)) {
			const code = codeOnPage(answer.body);
			if (code !== undefined) {
				return code;
			}
		}

		const forms = await readForms(answer.body, url);
		if (!this.#onPortal(url) && this.#settings.idpStep) {
			const asked = await this.#settings.idpStep({url, status: statusCode, html: answer.body, forms});
			if (asked) {
				return {url: new URL(asked.url, url), method: asked.method ?? (asked.form ? 'POST' : 'GET'), ...(asked.form ? {form: asked.form} : {})};
			}
		}

		return this.#submit(forms, url);
	}

	/** The form the page calls for: the SAML response (or request), else the login form once. */
	#submit(forms: HtmlForm[], url: URL): WalkRequest {
		const saml = samlForm(forms, 'SAMLResponse') ?? samlForm(forms, 'SAMLRequest');
		if (saml) {
			debug('saml: posting the SAML message to %s', where(saml.action));
			return {url: saml.action, method: 'POST', form: Object.fromEntries(saml.fields.map(field => [field.name, field.value]))};
		}

		const login = loginForm(forms);
		const {username, password} = this.#settings;
		if (login && !this.#onPortal(url)) {
			if (this.#passwordPosted) {
				throw failed(`The identity provider at ${url.host} showed its login form again: it refused the username or password (it is not tried again, as accounts lock).`, where(url));
			}

			if (username === undefined || password === undefined) {
				throw failed(
					`The identity provider at ${url.host} shows a login form: give the options username and password (or sign in with a Kerberos ticket where it offers Windows authentication).`,
					where(url),
				);
			}

			if (new URL(login.action).origin === this.#portalOrigin) {
				throw failed(`The login form at ${url.host} posts to the portal: the password goes only to the identity provider.`, where(url));
			}

			assertSecureTransport(login.action, 'credentials', {allowHttp: this.#settings.allowHttp});
			this.#passwordPosted = true;
			debug('saml: posting the login form to %s', where(login.action));
			return {url: login.action, method: login.method, ...(login.method === 'POST' ? {form: fillLogin(login, username, password)} : {})};
		}

		const whose = this.#onPortal(url) ? 'The portal' : `The identity provider at ${url.host}`;
		throw failed(`${whose} answered a page at ${where(url)} with no SAML response form${this.#onPortal(url) ? ' and no code' : ' and no login form'}: the enterprise login cannot go on.`, where(url));
	}

	/** The code when a redirect goes to the sign-in's redirect URI (read, never followed); undefined for any other redirect. */
	#codeFromRedirect(target: URL): string | undefined {
		const expected = new URL(this.#settings.redirectUri, 'invalid:/');
		if (target.origin !== expected.origin || target.pathname !== expected.pathname) {
			return undefined;
		}

		if (target.searchParams.get('state') !== this.#secrets.state) {
			throw failed('The portal sent the code back with a state that is not this sign-in’s: the answer was refused before any token call.', where(target));
		}

		const error = target.searchParams.get('error_description') ?? target.searchParams.get('error');
		const code = target.searchParams.get('code');
		if (code === null || code === '') {
			throw failed(`The portal did not sign you in: ${error ?? 'it redirected without a code'}.`, where(target));
		}

		return code;
	}

	#onPortal(url: URL): boolean {
		return url.origin === this.#portalOrigin;
	}
}

/** The code of the portal's out-of-band page ("OAuth2 Approval": `<title>SUCCESS code=…</title>`, `<input id="code" value="…">`). */
function codeOnPage(html: string): string | undefined {
	return (
		/<title>\s*SUCCESS code=([^<\s]+)/i.exec(html)?.[1] ??
		/<input[^>]*\bid=["']code["'][^>]*\bvalue=["']([^"']+)["']/i.exec(html)?.[1] ??
		/<input[^>]*\bvalue=["']([^"']+)["'][^>]*\bid=["']code["']/i.exec(html)?.[1]
	);
}
