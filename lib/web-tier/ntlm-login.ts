import type {NormalizedOptions} from 'got';
import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {gate, type Gate} from './gate.js';
import {ntlmAuthenticate, ntlmIdentity, ntlmNegotiate, type NtlmIdentity} from './ntlm-messages.js';
import {NtlmPool} from './ntlm-pool.js';
import type {WebOutcome, WebState, WebTierSettings} from './web-state.js';
import {challengeToken, type Challenge} from './www-authenticate.js';

type NtlmState = Extract<WebState, {kind: 'ntlm'}>;

/**
NTLM for one site: handshakes on pooled keep-alive connections (Type 1 and Type 3 on one socket),
and the lockout-safe first login — one handshake at a time until one has succeeded, and a refused
login kept for every later request (Active Directory counts NTLM failures towards lockout).
`scheme` is what the server offered: `NTLM`, or raw NTLMSSP under `Negotiate`.
*/
export class NtlmLogin {
	readonly #settings: Pick<WebTierSettings, 'label' | 'username' | 'password' | 'workstation'>;
	#failure: TokenAuthenticationError | undefined;
	#pool = new NtlmPool();
	#gate: Gate | undefined;
	#proven = false;

	constructor(settings: Pick<WebTierSettings, 'label' | 'username' | 'password' | 'workstation'>) {
		this.#settings = settings;
	}

	/** A refused login, kept until reset(). */
	get failure(): TokenAuthenticationError | undefined {
		return this.#failure;
	}

	/** Puts the request on a pooled connection: an authenticated one, or a new handshake's Type 1. */
	async before(options: NormalizedOptions, url: URL, scheme: string): Promise<NtlmState> {
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

		options.headers.authorization = this.#negotiateHeader(scheme);
		return {kind: 'ntlm', agent, stage: 'negotiate', owner};
	}

	/** A handshake's request got its answer (not a 401): the connection is authenticated. */
	authenticated(web: NtlmState): NtlmState {
		this.#pool.authenticated(web.agent);
		this.#proven = true;
		this.#gate?.resolve();
		this.#gate = undefined;
		debug('%s: NTLM connection authenticated (%d in the pool)', this.#settings.label, this.#pool.size);
		return {kind: 'ntlm', agent: web.agent, stage: 'authenticated'};
	}

	/** A 401: the challenge to answer (Type 3), a refused login, or a pooled connection to authenticate again. */
	after401(web: NtlmState, challenges: readonly Challenge[], url: URL, retried: boolean, scheme: string): WebOutcome {
		if (web.stage === 'negotiate') {
			let authenticate: string;
			try {
				authenticate = ntlmAuthenticate(
					challengeToken(challenges, scheme) ?? challengeToken(challenges, 'ntlm') ?? challengeToken(challenges, 'negotiate'),
					this.#identity(),
					this.#settings.password() ?? '',
					url,
				);
			} catch (error: unknown) {
				this.onError(web);
				throw error;
			}

			return {retry: {headers: {authorization: `${scheme} ${authenticate.replace(/^NTLM /, '')}`}}, web: {...web, stage: 'authenticate', pinned: true}};
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
		return {retry: {headers: {authorization: this.#negotiateHeader(scheme)}}, web: {kind: 'ntlm', agent: web.agent, stage: 'negotiate', pinned: true}};
	}

	/** A request failed on the network: a half-done handshake's connection is thrown away. */
	onError(web: NtlmState): void {
		if (web.stage === 'authenticated') {
			return;
		}

		this.#pool.discard(web.agent);
		if (web.owner && !this.#proven) {
			// Not a verdict on the password: the next request may try again.
			this.#gate?.reject(new TokenAuthenticationError('WEB_TIER_FAILED', 'The first NTLM handshake did not complete (network error); try again.'));
			this.#gate = undefined;
		}
	}

	/** Forgets the kept failure and the pooled connections. */
	reset(): void {
		this.#pool.close();
		this.#pool = new NtlmPool();
		this.#failure = undefined;
		this.#gate = undefined;
		this.#proven = false;
	}

	#identity(): NtlmIdentity {
		return ntlmIdentity(this.#settings.username() ?? '', this.#settings.workstation);
	}

	#negotiateHeader(scheme: string): string {
		// httpntlm answers `NTLM <base64>`; under `Negotiate` the same NTLMSSP bytes travel.
		return `${scheme} ${ntlmNegotiate(this.#identity()).replace(/^NTLM /, '')}`;
	}
}
