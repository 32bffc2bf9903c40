import type {Agent as HttpAgent} from 'node:http';
import type {NormalizedOptions, OptionsInit, Response} from 'got';
import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {emitAuthWarning} from '../warnings.js';
import {KERBEROS_MISSING, findKerberos, servicePrincipal, startKerberos, verifyMutualAuth, type KerberosClient, type MutualAuth} from './kerberos.js';
import {chooseMechanisms, fallbackAfter, type Mechanism} from './mechanism.js';
import {ntlmAuthenticate, ntlmIdentity, ntlmNegotiate, type NtlmIdentity} from './ntlm-messages.js';
import {NtlmPool} from './ntlm-pool.js';
import {readChallenges, type Challenge} from './www-authenticate.js';

/** What one request carries of the web tier (its slice of the request state, see steps/web-tier-step). */
export type WebState =
	| {readonly kind: 'kerberos'; readonly client: KerberosClient}
	| {
			readonly kind: 'ntlm';
			readonly agent: HttpAgent;
			/** `negotiate`: Type 1 sent; `authenticate`: Type 3 sent; `authenticated`: a proven connection. */
			readonly stage: 'negotiate' | 'authenticate' | 'authenticated';
			/** Set by a handshake retry: its headers and agent stay as they are for that attempt. */
			readonly pinned?: boolean;
			/** This request runs the first login; others wait for it (one attempt, lockout-safe). */
			readonly owner?: boolean;
	  };

export type WebTierSettings = {
	label: string;
	username: () => string | undefined;
	password: () => string | undefined;
	spn: string | undefined;
	mutualAuth: MutualAuth;
	workstation: string | undefined;
};

/** What `afterResponse` asks of the handler: send the request again with these changes, or go on. */
export type WebOutcome = {retry: OptionsInit; web: WebState | undefined} | {web: WebState | undefined};

type Gate = {promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void};

function gate(): Gate {
	let resolve!: () => void;
	let reject!: (error: unknown) => void;
	const promise = new Promise<void>((resolve_, reject_) => {
		resolve = resolve_;
		reject = reject_;
	});
	// Waiters attach their own handlers; an unobserved rejection must not crash the process.
	promise.catch(() => undefined);
	return {promise, resolve, reject};
}

function challengeToken(challenges: readonly Challenge[], scheme: string): string | undefined {
	return challenges.find(challenge => challenge.scheme === scheme.toLowerCase() && challenge.token !== undefined)?.token;
}

/**
Web-tier (IIS Integrated Windows Authentication) for one site: which mechanism the 401 allows,
Kerberos tokens per request, NTLM handshakes on pooled keep-alive connections, and the
lockout-safe first NTLM login.
*/
export class WebTier {
	readonly #settings: WebTierSettings;
	#order: Mechanism[] = [];
	#mode: Mechanism | undefined;
	#failure: TokenAuthenticationError | undefined;
	#pool = new NtlmPool();
	#gate: Gate | undefined;
	/** The site's first Kerberos attempt, while it runs: concurrent first requests wait for it. */
	#kerberosTrial: Gate | undefined;
	/** A Kerberos token was made for the site: requests no longer wait for a first attempt. */
	#kerberosWorks = false;
	#proven = false;
	#warned = false;

	constructor(settings: WebTierSettings) {
		this.#settings = settings;
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

		if (this.#failure) {
			throw this.#failure;
		}

		if (this.#mode.kind === 'kerberos') {
			const web = await this.#kerberosBefore(options, url);
			if (web) {
				return web;
			}
		}

		return this.#ntlmBefore(options, url);
	}

	/** Reads the answer: completes handshakes, checks mutual authentication, reacts to a 401. */
	async afterResponse(response: Response, url: URL, web: WebState | undefined, retried: boolean): Promise<WebOutcome> {
		const challenges = readChallenges(response);
		if (response.statusCode !== 401) {
			if (web?.kind === 'kerberos') {
				if (response.statusCode < 400 || challengeToken(challenges, 'negotiate') !== undefined) {
					await verifyMutualAuth(web.client, challengeToken(challenges, 'negotiate'), this.#settings.mutualAuth, url);
				}

				return {web};
			}

			if (web?.kind === 'ntlm' && web.stage !== 'authenticated') {
				this.#pool.authenticated(web.agent);
				this.#proven = true;
				this.#gate?.resolve();
				this.#gate = undefined;
				debug('%s: NTLM connection authenticated (%d in the pool)', this.#settings.label, this.#pool.size);
				return {web: {kind: 'ntlm', agent: web.agent, stage: 'authenticated'}};
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

		return this.#ntlmAfter(web, challenges, url, retried);
	}

	/** A request failed on the network: a half-done handshake's connection is thrown away. */
	onError(web: WebState | undefined): void {
		if (web?.kind !== 'ntlm' || web.stage === 'authenticated') {
			return;
		}

		this.#pool.discard(web.agent);
		if (web.owner && !this.#proven) {
			// Not a verdict on the password: the next request may try again.
			this.#gate?.reject(new TokenAuthenticationError('WEB_TIER_FAILED', 'The first NTLM handshake did not complete (network error); try again.'));
			this.#gate = undefined;
		}
	}

	/** Forgets the mechanism, kept failures and pooled connections. */
	reset(): void {
		this.#pool.close();
		this.#pool = new NtlmPool();
		this.#order = [];
		this.#mode = undefined;
		this.#failure = undefined;
		this.#gate = undefined;
		this.#kerberosTrial = undefined;
		this.#kerberosWorks = false;
		this.#proven = false;
		this.#warned = false;
	}

	/** A fresh Kerberos token on the request; undefined when the site has fallen back to NTLM. */
	async #kerberosBefore(options: NormalizedOptions, url: URL): Promise<WebState | undefined> {
		if (this.#kerberosTrial && !this.#kerberosWorks) {
			// Concurrent first requests wait for the first attempt: when the KDC does not know the SPN
			// (a site reached by IP address or an alias), one failure tells them all, instead of each
			// paying its own round trip to the KDC. After a success each makes its own token below
			// (an authenticator is single-use).
			try {
				await this.#kerberosTrial.promise;
			} catch (error: unknown) {
				// Kerberos failed with nothing to fall back on (no NTLM credentials): the same verdict.
				if (this.#mode?.kind === 'kerberos') {
					throw error;
				}
			}

			if (this.#mode?.kind !== 'kerberos') {
				return undefined;
			}
		}

		// Made before the first await, so that exactly one request runs the trial.
		const trial = this.#kerberosWorks ? undefined : gate();
		if (trial) {
			this.#kerberosTrial = trial;
		}

		let failure: unknown;
		try {
			const {client, token} = await this.#startKerberos(url);
			this.#kerberosWorks = true;
			// Sent pre-emptively: once the site is known to want Negotiate, no 401 round trip per request.
			options.headers.authorization = `Negotiate ${token}`;
			return {kind: 'kerberos', client};
		} catch (error: unknown) {
			failure = error;
			// Relative to Kerberos, not to the current mode: a concurrent request may already have
			// switched the site to NTLM, and NTLM is still this request's fallback.
			const next = fallbackAfter(this.#order, {kind: 'kerberos'});
			if (!next) {
				throw error;
			}

			if (this.#mode?.kind === 'kerberos') {
				debug('%s: Kerberos unavailable (%s); falling back to NTLM', this.#settings.label, error instanceof Error ? error.message : 'error');
				this.#mode = next;
			}

			return undefined;
		} finally {
			// Settled only now, after the mode says what happened, so that the waiters read it. The
			// trial ends here: a failure is not kept, a later request (after kinit, say) tries again.
			if (trial && this.#kerberosTrial === trial) {
				this.#kerberosTrial = undefined;
				if (failure === undefined) {
					trial.resolve();
				} else {
					trial.reject(failure);
				}
			}
		}
	}

	async #startKerberos(url: URL): Promise<{client: KerberosClient; token: string}> {
		const kerberos = await findKerberos();
		if (!kerberos) {
			throw new TokenAuthenticationError('WEB_TIER_FAILED', `${KERBEROS_MISSING}.`, {url});
		}

		return startKerberos(kerberos, servicePrincipal(url, this.#settings.spn), this.#settings.mutualAuth, url);
	}

	#identity(): NtlmIdentity {
		return ntlmIdentity(this.#settings.username() ?? '', this.#settings.workstation);
	}

	#scheme(): string {
		return this.#mode?.kind === 'ntlm' ? this.#mode.scheme : 'NTLM';
	}

	#negotiateHeader(): string {
		// httpntlm answers `NTLM <base64>`; under `Negotiate` the same NTLMSSP bytes travel.
		return `${this.#scheme()} ${ntlmNegotiate(this.#identity()).replace(/^NTLM /, '')}`;
	}

	async #ntlmBefore(options: NormalizedOptions, url: URL): Promise<WebState> {
		// The first login runs alone: with a wrong password, N parallel handshakes would be N
		// failed logons against the account.
		while (this.#gate && !this.#proven) {
			await this.#gate.promise.catch(() => undefined);
			if (this.#failure) {
				throw this.#failure;
			}
		}

		delete options.headers.authorization;
		const {agent, authenticated} = this.#pool.pick(url.protocol);
		options.agent = url.protocol === 'https:' ? {https: agent as never} : {http: agent};
		if (authenticated) {
			return {kind: 'ntlm', agent, stage: 'authenticated'};
		}

		const owner = !this.#proven;
		if (owner) {
			this.#gate = gate();
		}

		options.headers.authorization = this.#negotiateHeader();
		return {kind: 'ntlm', agent, stage: 'negotiate', owner};
	}

	#ntlmAfter(web: Extract<WebState, {kind: 'ntlm'}>, challenges: readonly Challenge[], url: URL, retried: boolean): WebOutcome {
		if (web.stage === 'negotiate') {
			let authenticate: string;
			try {
				authenticate = ntlmAuthenticate(
					challengeToken(challenges, this.#scheme()) ?? challengeToken(challenges, 'ntlm') ?? challengeToken(challenges, 'negotiate'),
					this.#identity(),
					this.#settings.password() ?? '',
					url,
				);
			} catch (error: unknown) {
				this.onError(web);
				throw error;
			}

			return {retry: {headers: {authorization: `${this.#scheme()} ${authenticate.replace(/^NTLM /, '')}`}}, web: {...web, stage: 'authenticate', pinned: true}};
		}

		if (web.stage === 'authenticate') {
			this.#pool.discard(web.agent);
			const username = this.#settings.username() ?? '';
			// Kept for every later request: Active Directory counts NTLM failures towards lockout.
			this.#failure = new TokenAuthenticationError(
				'WEB_TIER_FAILED',
				`NTLM login to ${url.host} was rejected for ${username}: wrong password, unknown user or wrong domain. It is not tried again (accounts lock); call auth.reset() after fixing the credentials.`,
				{url},
			);
			this.#gate?.reject(this.#failure);
			this.#gate = undefined;
			throw this.#failure;
		}

		// A pooled connection answered 401: the server closed the authenticated socket and the agent
		// opened a new one. Authenticate it again, once.
		if (retried) {
			return {web};
		}

		this.#pool.unauthenticated(web.agent);
		return {retry: {headers: {authorization: this.#negotiateHeader()}}, web: {kind: 'ntlm', agent: web.agent, stage: 'negotiate', pinned: true}};
	}
}
