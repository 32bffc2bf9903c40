import type {NormalizedOptions, PlainResponse} from 'got';
import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {ConnectionPool, type Lease} from './connection-pool.js';
import {gate, type Gate} from './gate.js';
import {ntlmAuthenticate, ntlmIdentity, ntlmNegotiate, type NtlmIdentity, underScheme} from './ntlm-messages.js';
import type {WebOutcome, WebState, WebTierSettings} from './web-state.js';
import {challengeToken, type Challenge} from './www-authenticate.js';

type NtlmState = Extract<WebState, {kind: 'ntlm'}>;

/**
How many authenticated connections a site may hold when the caller's agent sets no finite
`maxSockets`. Each connection costs one NTLM logon (two extra round trips, and a logon the domain
controller records) and a connection held on IIS; a request that finds every connection busy waits
behind one on its socket instead. 16 lets a script run 16 requests truly in parallel — more than the
6 per host a browser opens, and the concurrency of a typical `p-limit`/`p-map` pool — while a burst
of hundreds of requests costs at most 16 logons, not hundreds.
*/
export const DEFAULT_NTLM_CONNECTIONS = 16;

/**
NTLM for one site: handshakes on pooled keep-alive connections (Type 1 and Type 3 on one socket),
and the lockout-safe first login — one handshake at a time until one has succeeded, and a refused
login kept for every later request (Active Directory counts NTLM failures towards lockout). Once a
login succeeded, the pool grows while requests queue, up to the caller's bound.
`scheme` is what the server offered: `NTLM`, or raw NTLMSSP under `Negotiate`.
*/
export class NtlmLogin {
	readonly #settings: Pick<WebTierSettings, 'label' | 'username' | 'password' | 'workstation'>;
	#failure: TokenAuthenticationError | undefined;
	#pool = new ConnectionPool();
	#gate: Gate | undefined;
	#proven = false;

	constructor(settings: Pick<WebTierSettings, 'label' | 'username' | 'password' | 'workstation'>) {
		this.#settings = settings;
	}

	/** A refused login, kept until reset(). */
	get failure(): TokenAuthenticationError | undefined {
		return this.#failure;
	}

	/** The site's connections, for specs. */
	get pool(): ConnectionPool {
		return this.#pool;
	}

	/**
	Puts the request on a pooled connection: an authenticated one, or a new handshake's Type 1.
	Synchronous once the first login is done (the hot path: one function, without the calls a
	split into small ones would cost while V8 has not optimised it); `carried` is the bound read on
	an earlier hop of the same request. A refused login is thrown for every later request.
	*/
	before(options: NormalizedOptions, url: URL, scheme: string, carried: number | undefined): NtlmState | Promise<NtlmState> {
		if (this.#failure) {
			throw this.#failure;
		}

		if (this.#gate && !this.#proven) {
			return this.#pickAfterFirstLogin(options, url, scheme, carried);
		}

		// Only when there: `delete` on an absent key still costs, on every request of the hot path.
		if (options.headers.authorization !== undefined) {
			delete options.headers.authorization;
		}

		// Read once: URL's protocol getter cuts a new string from the href on every read.
		const {protocol} = url;
		const {agent: agents, isStream} = options;
		const bound = this.#pool.boundFor(agents, protocol, DEFAULT_NTLM_CONNECTIONS) ?? carried ?? DEFAULT_NTLM_CONNECTIONS;
		// A stream takes an authenticated connection, busy or not (bound 1): it cannot run a handshake.
		const lease = this.#pool.acquire(protocol, isStream ? 1 : bound);
		const {connection} = lease;
		connection.carry(agents);
		if (connection.authenticated) {
			// got runs no afterResponse for a stream: nothing would release the lease. The agent still
			// queues the stream on the connection's one socket.
			if (isStream) {
				lease.release();
			}

			return {kind: 'ntlm', lease, bound, stage: 'authenticated'};
		}

		return this.#negotiate(options, url, scheme, lease, bound);
	}

	/**
	A response that is not a 401 (or a redirect) on the request's connection: the request is done
	with it, and a handshake's answer proves the connection — the socket it came on (read only then:
	on the usual response got's getter would be one more call for nothing).
	*/
	answered(web: NtlmState, response: PlainResponse): NtlmState {
		web.lease.release();
		if (web.stage === 'authenticated') {
			return web;
		}

		this.#pool.authenticated(web.lease.connection, response.request.socket ?? undefined);
		this.#proven = true;
		this.#gate?.resolve();
		this.#gate = undefined;
		debug('%s: NTLM connection authenticated (%d in the pool)', this.#settings.label, this.#pool.authenticatedCount);
		return {kind: 'ntlm', lease: web.lease, bound: web.bound, stage: 'authenticated'};
	}

	/** A 401: the challenge to answer (Type 3), a refused login, or a pooled connection to authenticate again. */
	after401(web: NtlmState, challenges: readonly Challenge[], url: URL, retried: boolean, scheme: string): WebOutcome {
		const {connection} = web.lease;
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
				this.onError(web, true);
				throw error;
			}

			// The lease stays held: Type 3 goes out on the same connection, as part of the same request.
			return {retry: {headers: {authorization: underScheme(scheme, authenticate)}}, web: {...web, stage: 'authenticate', pinned: true, sent: false}};
		}

		if (web.stage === 'authenticate') {
			web.lease.release();
			this.#pool.discard(connection);
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
			web.lease.release();
			return {web};
		}

		this.#pool.unauthenticated(connection);
		return {retry: {headers: {authorization: this.#negotiateHeader(scheme)}}, web: {kind: 'ntlm', lease: web.lease, bound: web.bound, stage: 'negotiate', pinned: true}};
	}

	/**
	A request failed: it lets go of its connection. On the network (`network`, no response), a
	half-done handshake's connection is thrown away.
	*/
	onError(web: NtlmState, network: boolean): void {
		web.lease.release();
		if (!network || web.stage === 'authenticated') {
			return;
		}

		this.#pool.discard(web.lease.connection);
		if (web.owner && !this.#proven) {
			// Not a verdict on the password: the next request may try again.
			this.#gate?.reject(new TokenAuthenticationError('WEB_TIER_FAILED', 'The first NTLM handshake did not complete (network error); try again.'));
			this.#gate = undefined;
		}
	}

	/** Forgets the kept failure and the pooled connections. */
	reset(): void {
		this.#pool.close();
		this.#pool = new ConnectionPool();
		this.#failure = undefined;
		this.#gate = undefined;
		this.#proven = false;
	}

	async #pickAfterFirstLogin(options: NormalizedOptions, url: URL, scheme: string, carried: number | undefined): Promise<NtlmState> {
		// The first login runs alone: with a wrong password, N parallel handshakes would be N
		// failed logons against the account.
		while (this.#gate && !this.#proven) {
			await this.#gate.promise.catch(() => undefined);
			if (this.#failure) {
				throw this.#failure;
			}
		}

		// In the same turn as the check above: a waiter woken with this one must find its gate.
		return this.before(options, url, scheme, carried);
	}

	/** A new handshake on the lease's connection: its Type 1 (and, before any login succeeded, the gate the others wait at). */
	#negotiate(options: NormalizedOptions, url: URL, scheme: string, lease: Lease, bound: number): NtlmState {
		if (options.isStream) {
			// got runs no afterResponse for a stream: its Type 1 would come back as a 401 to the
			// caller, and a first login it started would hold every other request for ever.
			lease.release();
			throw new TokenAuthenticationError(
				'WEB_TIER_FAILED',
				`${this.#settings.label}: ${url.host} has no NTLM-authenticated connection yet, and a stream cannot run the NTLM handshake (got runs no afterResponse hook for a stream). Send one ordinary request first (e.g. to rest/info); streams then travel on its connection.`,
				{url},
			);
		}

		const owner = !this.#proven;
		if (owner) {
			this.#gate = gate();
		}

		options.headers.authorization = this.#negotiateHeader(scheme);
		return {kind: 'ntlm', lease, bound, stage: 'negotiate', owner};
	}

	#identity(): NtlmIdentity {
		return ntlmIdentity(this.#settings.username() ?? '', this.#settings.workstation);
	}

	#negotiateHeader(scheme: string): string {
		return underScheme(scheme, ntlmNegotiate(this.#identity()));
	}
}
