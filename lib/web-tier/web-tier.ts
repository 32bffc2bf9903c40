import type {NormalizedOptions, Response} from 'got';
import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {emitAuthWarning} from '../warnings.js';
import {findKerberos, servicePrincipal} from './kerberos.js';
import {KerberosLogin} from './kerberos-login.js';
import {chooseMechanisms, fallbackAfter, type Mechanism} from './mechanism.js';
import {NtlmLogin} from './ntlm-login.js';
import type {WebOutcome, WebState, WebTierSettings} from './web-state.js';
import {readChallenges, type Challenge} from './www-authenticate.js';

export type {WebOutcome, WebState, WebTierSettings} from './web-state.js';

/**
Web-tier (IIS Integrated Windows Authentication) for one site: which mechanism the 401 allows and
the fallback from Kerberos to NTLM. Kerberos (KerberosLogin) and NTLM (NtlmLogin, with its
lockout-safe first login) each keep their own connections.
*/
export class WebTier {
	readonly #settings: WebTierSettings;
	#order: Mechanism[] = [];
	#mode: Mechanism | undefined;
	readonly #ntlm: NtlmLogin;
	readonly #kerberos: KerberosLogin;
	#warned = false;

	constructor(settings: WebTierSettings) {
		this.#settings = settings;
		this.#ntlm = new NtlmLogin(settings);
		this.#kerberos = new KerberosLogin(settings, {fallBack: error => this.#fallBack(error), usesKerberos: () => this.#mode?.kind === 'kerberos'});
	}

	/** Whether a mechanism is in use for the site. */
	get engaged(): boolean {
		return this.#mode !== undefined;
	}

	/** The mechanism in use, for messages and specs. */
	get mechanism(): Mechanism | undefined {
		return this.#mode;
	}

	/**
	Chooses the mechanism from a 401's challenges. False (after one warning naming what is missing)
	when none can answer them: requests then go on anonymously, as the original did.
	*/
	async engage(challenges: readonly Challenge[], url: URL): Promise<boolean> {
		const kerberos = await findKerberos();
		const credentials = this.#settings.username() !== undefined && this.#settings.password() !== undefined;
		const {order, missing} = chooseMechanisms(challenges, {kerberos: kerberos !== undefined, credentials});
		if (order.length === 0) {
			if (!this.#warned) {
				this.#warned = true;
				emitAuthWarning(`${url.origin} asks for web-tier authentication (HTTP 401), which cannot be answered: ${missing.join('; ')}. Requests go on without it.`, 'WEB_TIER_FAILED');
			}

			return false;
		}

		this.#order = order;
		this.#mode = order[0];
		debug('%s: web tier at %s offers %s; using %s', this.#settings.label, url.origin, challenges.map(challenge => challenge.scheme).join(', '), order.map(mechanism => mechanism.kind).join(' then '));
		return true;
	}

	/** Puts the web-tier authentication on a request: a Kerberos token, or a pooled NTLM connection. */
	async beforeRequest(options: NormalizedOptions, url: URL, previous: WebState | undefined): Promise<WebState | undefined> {
		if (!this.#mode) {
			return undefined;
		}

		if (previous?.kind === 'ntlm' && previous.pinned) {
			return previous;
		}

		if (this.#ntlm.failure) {
			throw this.#ntlm.failure;
		}

		if (this.#mode.kind === 'kerberos') {
			const web = await this.#kerberos.before(options, url, previous);
			if (web) {
				return web;
			}
		}

		return this.#ntlm.before(options, url, this.#scheme());
	}

	/** Reads the answer: completes handshakes, checks mutual authentication, reacts to a 401. */
	async afterResponse(response: Response, url: URL, web: WebState | undefined, retried: boolean): Promise<WebOutcome> {
		const challenges = readChallenges(response);
		if (response.statusCode !== 401) {
			if (web?.kind === 'kerberos') {
				await this.#kerberos.after(response, web, url);
				return {web};
			}

			if (web?.kind === 'ntlm' && web.stage !== 'authenticated') {
				return {web: this.#ntlm.authenticated(web)};
			}

			return {web};
		}

		if (!web) {
			// A 401 on a request sent without web-tier authentication: a site behind IWA only in
			// part, or the first sign of IWA at all. The same fallback, retried once.
			if (retried || challenges.length === 0 || (!this.#mode && !(await this.engage(challenges, url)))) {
				return {web};
			}

			return {retry: {}, web: undefined};
		}

		if (web.kind === 'kerberos') {
			const verdict = this.#kerberos.after401(response, web);
			if (verdict.kind === 'resend') {
				// Sent without a token on an authenticated connection: once more, with one (never a loop:
				// the resent request carries a token, and a refused token ends here below).
				return {retry: {}, web: verdict.web};
			}

			// Relative to Kerberos, not to the current mode: with concurrent requests, another one's
			// 401 may already have switched the site to NTLM.
			const next = fallbackAfter(this.#order, web);
			if (!next || retried) {
				throw new TokenAuthenticationError(
					'WEB_TIER_FAILED',
					`Kerberos authentication to ${url.host} failed: the server rejected the token (is the SPN ${servicePrincipal(url, this.#settings.spn).replace('@', '/')} registered for this site, and is the ticket from the right realm?).`,
					{url},
				);
			}

			if (this.#mode?.kind === 'kerberos') {
				debug('%s: server rejected Kerberos; falling back to NTLM', this.#settings.label);
				this.#mode = next;
			}

			return {retry: {headers: {authorization: undefined}}, web: undefined};
		}

		return this.#ntlm.after401(web, challenges, url, retried, this.#scheme());
	}

	/** A request failed on the network: a half-done handshake's connection is thrown away. */
	onError(web: WebState | undefined): void {
		if (web?.kind === 'ntlm') {
			this.#ntlm.onError(web);
		} else if (web?.kind === 'kerberos') {
			this.#kerberos.onError(web);
		}
	}

	/** A redirect hop: the request gives back the connection it held (the next hop picks its own). */
	onHop(web: WebState | undefined): void {
		if (web?.kind === 'kerberos') {
			this.#kerberos.onHop(web);
		}
	}

	/** Forgets the mechanism, kept failures and pooled connections. */
	reset(): void {
		this.#ntlm.reset();
		this.#order = [];
		this.#mode = undefined;
		this.#kerberos.reset();
		this.#warned = false;
	}

	/** Kerberos could not make a token: NTLM takes over when it can (true), else the request fails. */
	#fallBack(error: unknown): boolean {
		// Relative to Kerberos, not to the current mode: a concurrent request may already have
		// switched the site to NTLM, and NTLM is still this request's fallback.
		const next = fallbackAfter(this.#order, {kind: 'kerberos'});
		if (!next) {
			return false;
		}

		if (this.#mode?.kind === 'kerberos') {
			debug('%s: Kerberos unavailable (%s); falling back to NTLM', this.#settings.label, error instanceof Error ? error.message : 'error');
			this.#mode = next;
		}

		return true;
	}

	#scheme(): 'NTLM' | 'Negotiate' {
		return this.#mode?.kind === 'ntlm' ? this.#mode.scheme : 'NTLM';
	}
}
