import type {NormalizedOptions, PlainResponse, Response} from 'got';
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
the fallback from Kerberos to NTLM. Kerberos (KerberosLogin: tokens, and requests without one on
connections the site keeps authenticated) and NTLM (NtlmLogin: handshakes on pooled connections,
the lockout-safe first login) each run on pooled connections of their own.
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

	/**
	Whether a mechanism is in use for the site: set with the mode by engage(), cleared by reset(). A
	field, not a getter over the mode: the web-tier step reads it on every request, and until V8
	optimises the hot path a getter is a call of its own.
	*/
	engaged = false;

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
		this.engaged = true;
		debug('%s: web tier at %s offers %s; using %s', this.#settings.label, url.origin, challenges.map(challenge => challenge.scheme).join(', '), order.map(mechanism => mechanism.kind).join(' then '));
		return true;
	}

	/**
	Puts the web-tier authentication on a request: Kerberos (a token, or an authenticated connection), or a pooled NTLM connection.
	Synchronous on an authenticated NTLM site (the hot path). `bound` is the connection bound an
	earlier hop of the request read from the caller's agent.
	*/
	beforeRequest(options: NormalizedOptions, url: URL, previous: WebState | undefined, bound?: number): WebState | undefined | Promise<WebState | undefined> {
		if (!this.#mode) {
			return undefined;
		}

		if (previous?.kind === 'ntlm') {
			if (previous.pinned && !previous.sent) {
				return {...previous, sent: true};
			}

			// A new attempt of the request (another hook's retry, got's own): the last one is over, its
			// answer unread, as after a network error — onError lets go of an authenticated connection,
			// and throws a half-done handshake away with the first login's gate it held (a Type 3 on a
			// new socket would read as a wrong password; a Type 1's holder would wait at its own gate).
			this.#ntlm.onError(previous, true);
		}

		if (this.#mode.kind === 'kerberos') {
			// A refused NTLM login (after a fallback) is kept for every request, as NtlmLogin.before keeps it.
			if (this.#ntlm.failure) {
				throw this.#ntlm.failure;
			}

			const web = this.#kerberos.before(options, url, previous, bound);
			// Undefined: the site has fallen back to NTLM.
			return web instanceof Promise ? web.then(resolved => resolved ?? this.#ntlm.before(options, url, this.#scheme(), bound)) : web;
		}

		return this.#ntlm.before(options, url, this.#mode.scheme, bound ?? (previous?.kind === 'ntlm' ? previous.bound : undefined));
	}

	/**
	Reads the answer: completes handshakes, checks mutual authentication, reacts to a 401. An NTLM
	request that is not answered 401 is done with its connection: nothing to parse or wait for.
	Undefined when the request's state stands as it is (the hot path: nothing allocated).
	*/
	afterResponse(response: Response, web: WebState | undefined, retried: boolean): WebOutcome | undefined | Promise<WebOutcome> {
		if (web?.kind === 'ntlm' && response.statusCode !== 401) {
			const answered = this.#ntlm.answered(web, response);
			return answered === web ? undefined : {web: answered};
		}

		if (web?.kind === 'kerberos' && response.statusCode !== 401 && this.#kerberos.isPlain(web)) {
			// An authenticated connection of a connection-bound site: its mutual authentication was checked.
			web.lease?.release();
			return undefined;
		}

		return this.#answer(response, new URL(response.url), web, retried);
	}

	/**
	A redirect answered the request: an NTLM handshake's redirect proves its connection, as a 200
	does; a Kerberos request gives its connection back (the next hop picks its own).
	*/
	redirected(web: WebState | undefined, response: PlainResponse): void {
		if (web?.kind === 'ntlm') {
			this.#ntlm.answered(web, response);
		} else if (web?.kind === 'kerberos') {
			this.#kerberos.onHop(web);
		}
	}

	async #answer(response: Response, url: URL, web: WebState | undefined, retried: boolean): Promise<WebOutcome> {
		const challenges = readChallenges(response);
		if (response.statusCode !== 401) {
			if (web?.kind === 'kerberos') {
				await this.#kerberos.after(response, web, url);
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

	/** A request failed: it lets go of its connection; on the network (`network`), a half-done handshake's is thrown away. */
	onError(web: WebState | undefined, network: boolean): void {
		if (web?.kind === 'ntlm') {
			this.#ntlm.onError(web, network);
		} else if (web?.kind === 'kerberos') {
			this.#kerberos.onError(web);
		}
	}

	/** Forgets the mechanism, kept failures and pooled connections. */
	reset(): void {
		this.#ntlm.reset();
		this.#order = [];
		this.#mode = undefined;
		this.engaged = false;
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
