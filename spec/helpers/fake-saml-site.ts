import {createHash, randomBytes} from 'node:crypto';
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http';
import type {Socket} from 'node:net';
import {LoopbackListener, withBody} from './loopback-server.js';
import {ntlmType, type2Message} from './ntlm-fixtures.js';

/** A request one of the fake servers received, whole: what the specs check never reached the portal. */
export type Received = {path: string; method: string; headers: IncomingMessage['headers']; body: string; query: URLSearchParams};

/** How the fake portal writes `oAuthInfo`: one line (today), the pre-2019 multi-line literal ending in `};`, or nested with braces in strings. */
export type OAuthInfoStyle = 'one-line' | 'legacy' | 'nested';

export const SAML_USER = 'alice';
export const SAML_PASSWORD = 'Alice-Passw0rd';

const page = (body: string) => `<!DOCTYPE html><html><head><title>Sign in</title></head><body>${body}</body></html>`;

/**
A portal (the SAML service provider, with ArcGIS's OAuth endpoints) and an identity provider, two
real HTTP servers on 127.0.0.1, playing the enterprise-login wire of enterprise-identity.md §2.6:
authorize page with oAuthInfo → oauth2/saml/authorize 302 → the IdP (a login form, or NTLM bound to
its connection) → an auto-post form with SAMLResponse → the ACS → the OOB page or the redirect →
oauth2/token. Its SAML response is a marker, not a signed assertion: the real SimpleSAMLphp IdP and
the emulator's node-saml ACS in the integration suite check signatures; this one checks the flow.
*/
export class FakeSamlSite {
	readonly portalLog: Received[] = [];
	readonly idpLog: Received[] = [];
	idp: 'form' | 'ntlm' = 'form';
	style: OAuthInfoStyle = 'one-line';
	/** The IdP's page before the SAML form carries a decoy form first (a search box, a language picker). */
	decoy = true;
	/** The NTLM IdP refuses every Type 3. */
	refuseNtlm = false;
	/** The portal's redirect carries a state of someone else's sign-in. */
	tamperState = false;
	/** The portal refuses refresh tokens (revoked, expired). */
	refuseRefresh = false;
	accessLifetimeSeconds = 1800;
	/** The lifetime of a login's refresh token; under a day, the handler renews it (exchange_refresh_token) on its next refresh. */
	refreshLifetimeSeconds = 1_209_600;
	/** exchange_refresh_token calls: each gives a refresh token of two weeks and kills the old one. */
	renewals = 0;
	/** Server tokens the portal made for its federated server (`/server` on the portal's origin) from an access token. */
	serverTokens = 0;
	/** The password the identity provider accepts. */
	password = SAML_PASSWORD;
	/** Starts every token, code and SAML response it makes (the fault catalogue's canary). */
	prefix = '';
	/** Error pages and answers echo what was sent, as a careless server's do. */
	echo = false;
	/** The portal forgets its codes as soon as it issues them (their exchange is refused). */
	forgetCodes = false;
	portalUrl = '';
	idpUrl = '';
	readonly counts = {logins: 0, codes: 0, refreshes: 0, formPosts: 0, revokes: 0};
	readonly #revoked = new Set<string>();
	#idpStopped = false;
	readonly #pending = new Map<string, {state: string; challenge: string; redirectUri: string}>();
	readonly #codes = new Map<string, {challenge: string; redirectUri: string}>();
	readonly #valid = new Set<string>();
	readonly #validOnServer = new Set<string>();
	readonly #negotiated = new WeakSet<Socket>();
	readonly #portal = new LoopbackListener(createServer((request, response) => this.#serve(request, response, 'portal')));
	readonly #idpServer = new LoopbackListener(createServer((request, response) => this.#serve(request, response, 'idp')));

	async start(): Promise<this> {
		this.portalUrl = `http://127.0.0.1:${await this.#portal.listen()}/portal`;
		this.idpUrl = `http://127.0.0.1:${await this.#idpServer.listen()}`;
		return this;
	}

	async stop(): Promise<void> {
		await Promise.all([this.#portal.close(), this.#idpStopped ? Promise.resolve() : this.#idpServer.close()]);
	}

	/** The identity provider goes away (the portal stays). */
	async stopIdp(): Promise<void> {
		this.#idpStopped = true;
		await this.#idpServer.close();
	}

	#serve(request: IncomingMessage, response: ServerResponse, side: 'portal' | 'idp'): void {
		withBody(request, raw => {
			const url = new URL(request.url ?? '/', 'http://127.0.0.1');
			const body = raw.toString('utf8');
			const received: Received = {path: url.pathname, method: request.method ?? 'GET', headers: request.headers, body, query: url.searchParams};
			(side === 'portal' ? this.portalLog : this.idpLog).push(received);
			const form = new URLSearchParams(body);
			const param = (name: string) => form.get(name) ?? url.searchParams.get(name) ?? '';
			const send = (status: number, text: string, headers: Record<string, string> = {}) => {
				response.writeHead(status, {'content-type': 'text/html;charset=utf-8', ...headers});
				response.end(text);
			};

			if (side === 'idp') {
				this.#idp(request, url.pathname, param, send);
			} else {
				this.#portalRoute(url.pathname, param, send);
			}
		});
	}

	#portalRoute(path: string, param: (name: string) => string, send: (status: number, text: string, headers?: Record<string, string>) => void): void {
		const json = (value: unknown) => send(200, JSON.stringify(value), {'content-type': 'text/plain;charset=utf-8'});
		if (path === '/portal/sharing/rest/oauth2/authorize') {
			const oauthState = randomBytes(12).toString('hex');
			this.#pending.set(oauthState, {state: param('state'), challenge: param('code_challenge'), redirectUri: param('redirect_uri')});
			send(
				200,
				page(
					`<script>${this.#oauthInfo(oauthState)}</script><form id="oauth" method="post" action="/portal/sharing/oauth2/signin"><input name="username"><input type="password" name="password"></form>`,
				),
			);
		} else if (path === '/portal/sharing/rest/oauth2/saml/authorize') {
			const oauthState = param('oauth_state');
			if (!this.#pending.has(oauthState)) {
				send(400, page('unknown oauth_state'));
				return;
			}

			send(302, '', {location: `${this.idpUrl}/sso?SAMLRequest=request-${oauthState}&RelayState=${oauthState}`});
		} else if (path === '/portal/sharing/rest/oauth2/saml/signin') {
			const pending = this.#pending.get(param('RelayState'));
			if (!pending || param('SAMLResponse') !== `${this.prefix}signed:${SAML_USER}:${param('RelayState')}`) {
				send(200, page(`<p>Enterprise login failed: the SAML response is not valid.${this.echo ? ` ${param('SAMLResponse')}` : ''}</p>`));
				return;
			}

			this.#pending.delete(param('RelayState'));
			const code = `${this.prefix}${randomBytes(12).toString('hex')}`;
			if (!this.forgetCodes) {
				this.#codes.set(code, {challenge: pending.challenge, redirectUri: pending.redirectUri});
			}

			this.counts.codes++;
			if (pending.redirectUri === 'urn:ietf:wg:oauth:2.0:oob') {
				send(200, `<html><head><title>SUCCESS code=${code}</title></head><body><h1>OAuth2 Approval</h1><input type="text" id="code" value="${code}" readonly></body></html>`);
			} else {
				send(302, '', {location: `${pending.redirectUri}?code=${code}&state=${this.tamperState ? 'someone-else' : pending.state}`});
			}
		} else if (path === '/portal/sharing/rest/oauth2/token') {
			if (param('grant_type') === 'authorization_code') {
				const issued = this.#codes.get(param('code'));
				this.#codes.delete(param('code'));
				const verified = issued && createHash('sha256').update(param('code_verifier')).digest('base64url') === issued.challenge && issued.redirectUri === param('redirect_uri');
				if (!verified) {
					const said = `Invalid authorization code${this.echo ? ` ${param('code')} ${param('code_verifier')}` : ''}`;
					json({error: {code: 400, error: 'invalid_request', error_description: said, message: said, details: []}});
					return;
				}

				this.counts.logins++;
				json({...this.#accessToken(), refresh_token: `${this.prefix}refresh-${randomBytes(8).toString('hex')}`, refresh_token_expires_in: this.refreshLifetimeSeconds, username: SAML_USER});
			} else if (param('grant_type') === 'refresh_token') {
				this.counts.refreshes++;
				json(
					this.refuseRefresh || this.#revoked.has(param('refresh_token'))
						? {error: {code: 498, error: 'invalid_request', error_description: 'Invalid refresh_token', message: 'Invalid refresh_token', details: []}}
						: this.#accessToken(),
				);
			} else if (param('grant_type') === 'exchange_refresh_token' && !this.refuseRefresh && !this.#revoked.has(param('refresh_token'))) {
				this.renewals++;
				this.#revoked.add(param('refresh_token'));
				json({...this.#accessToken(), refresh_token: `${this.prefix}refresh-${randomBytes(8).toString('hex')}`, refresh_token_expires_in: 1_209_600});
			} else if (param('grant_type') === 'exchange_refresh_token') {
				json({error: {code: 498, error: 'invalid_request', error_description: 'Invalid refresh_token', message: 'Invalid refresh_token', details: []}});
			} else {
				json({error: {code: 400, error: 'unsupported_grant_type', message: 'unsupported', details: []}});
			}
		} else if (path === '/portal/sharing/rest/oauth2/revokeToken') {
			this.counts.revokes++;
			this.#revoked.add(param('auth_token'));
			json({success: true});
		} else if (path === '/portal/sharing/rest/generateToken' && this.#valid.has(param('token')) && param('serverUrl') !== '') {
			this.serverTokens++;
			const token = `${this.prefix}server-${randomBytes(8).toString('hex')}`;
			this.#validOnServer.add(token);
			json({token, expires: Date.now() + 1_800_000, ssl: false});
		} else if (path === '/server/rest/info') {
			json({currentVersion: 11.3, owningSystemUrl: this.portalUrl, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${this.portalUrl}/sharing/rest/generateToken`}});
		} else if (path === '/server/rest/services') {
			json(this.#validOnServer.has(param('token')) ? {services: []} : {error: {code: 498, message: 'Invalid token.', details: []}});
		} else if (path === '/portal/sharing/rest/community/self') {
			json(this.#valid.has(param('token')) ? {username: SAML_USER} : {error: {code: 498, message: 'Invalid token.', details: []}});
		} else {
			send(404, page('not found'));
		}
	}

	#accessToken() {
		const token = `${this.prefix}access-${randomBytes(8).toString('hex')}`;
		this.#valid.add(token);
		return {access_token: token, expires_in: this.accessLifetimeSeconds, ssl: false};
	}

	#oauthInfo(oauthState: string): string {
		const federationInfo = {idpAuthorizeUrl: `${this.portalUrl}/sharing/rest/oauth2/saml/authorize`, idpName: 'Example IdP'};
		const info = {oauth_state: oauthState, client_id: 'saml-app', locale: 'en', federationInfo};
		if (this.style === 'legacy') {
			return `\nvar oAuthInfo = ${JSON.stringify(info, null, 2)};\nvar other = {"a": 1};`;
		}

		if (this.style === 'nested') {
			const nested = {...info, oidc: {provider: {name: 'Corp {SSO}', claims: {groups: ['a}', '{b'], nested: {deep: {deeper: {}}}}}, note: 'say "hi" }'}};
			return `var portalInfo = {"x": 1}; var oAuthInfo = ${JSON.stringify(nested)}; var after = {"y": "}"};`;
		}

		return `var oAuthInfo = ${JSON.stringify(info)}`;
	}

	#idp(request: IncomingMessage, path: string, param: (name: string) => string, send: (status: number, text: string, headers?: Record<string, string>) => void): void {
		const relay = param('RelayState');
		const samlPage = (relayState: string) =>
			page(
				`${this.decoy ? '<form name="hiddenform" action="/search"><input name="q" value="x"></form>' : ''}` +
					`<form method="post" action="${this.portalUrl}/sharing/rest/oauth2/saml/signin"><input type="hidden" name="SAMLResponse" value="${this.prefix}signed:${SAML_USER}:${relayState}">` +
					`<input type="hidden" name="RelayState" value="${relayState}"><noscript><button type="submit">Continue</button></noscript></form>`,
			);
		if (this.idp === 'ntlm') {
			const type = ntlmType(request.headers.authorization);
			if (type === 1) {
				this.#negotiated.add(request.socket);
				send(401, '', {'www-authenticate': `NTLM ${type2Message()}`});
			} else if (type === 3 && this.#negotiated.has(request.socket) && !this.refuseNtlm) {
				send(200, samlPage(relay));
			} else {
				send(401, '', {'www-authenticate': 'NTLM'});
			}

			return;
		}

		if (path === '/sso') {
			send(200, page(this.#loginForm(relay, '')), {'set-cookie': 'IdpSession=idp-cookie-value; Path=/; HttpOnly'});
		} else if (path === '/login') {
			this.counts.formPosts++;
			const good = param('UserName') === SAML_USER && param('Password') === this.password && request.headers.cookie?.includes('IdpSession=idp-cookie-value');
			const said = `<p class="error">Incorrect user ID or password.${this.echo ? ` You typed ${param('Password')}` : ''}</p>`;
			send(200, good ? samlPage(param('AuthState')) : page(this.#loginForm(param('AuthState'), said)));
		} else {
			send(404, page('not found'));
		}
	}

	#loginForm(relay: string, error: string): string {
		return `${error}<form method="post" action="/login" id="loginForm"><input type="hidden" name="AuthState" value="${relay}"><input type="text" name="UserName"><input type="password" name="Password"><input type="checkbox" name="Kmsi" value="true"><span id="submitButton">Sign in</span></form>`;
	}
}

/**
Starts a FakeSamlSite around each spec of the enclosing describe block, and stops it afterwards.
Returns a stand-in that forwards reads, writes and method calls to the site running at the time,
so specs write `site.password = …` and `site.tokenCalls` as usual.
*/
export function useFakeSamlSite(): FakeSamlSite {
	let running: FakeSamlSite | undefined;
	beforeEach(async () => {
		running = await new FakeSamlSite().start();
	});
	afterEach(async () => {
		await running?.stop();
		running = undefined;
	});
	const current = (): FakeSamlSite => {
		if (!running) {
			throw new Error('useFakeSamlSite: the site is only there inside specs and hooks');
		}

		return running;
	};

	return new Proxy({} as FakeSamlSite, {
		get(_target, key) {
			const site = current();
			const value = Reflect.get(site, key) as unknown;
			return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(site) : value;
		},
		set(_target, key, value) {
			return Reflect.set(current(), key, value);
		},
	});
}
