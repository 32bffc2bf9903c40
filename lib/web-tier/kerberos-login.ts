import type {Socket} from 'node:net';
import type {NormalizedOptions, Response} from 'got';
import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {KERBEROS_MISSING, findKerberos, servicePrincipal, startKerberos, verifyMutualAuth} from './kerberos.js';
import {KerberosTrial} from './kerberos-trial.js';
import {ConnectionPool, type Lease} from './connection-pool.js';
import type {WebState, WebTierSettings} from './web-state.js';
import {challengeToken, readChallenges} from './www-authenticate.js';

type KerberosState = Extract<WebState, {kind: 'kerberos'}>;

/**
Connections per site when the caller's agent sets no finite `maxSockets`: as many as NTLM gets
(DEFAULT_NTLM_CONNECTIONS), so a script runs as many requests in parallel whichever mechanism the
site answers. A Kerberos connection costs a token and a context on the server, not a logon.
*/
export const DEFAULT_KERBEROS_CONNECTIONS = 16;

/**
Whether the site keeps Kerberos authentication per connection, as IIS does by default
(`authPersistNonNTLM`) and Apache's mod_auth_gssapi with `GssapiConnectionBound On`: `unknown`
until one request without a token on an authenticated connection has been answered.
*/
type Binding = 'unknown' | 'connection' | 'request';

/** What a 401 means for a request's Kerberos: send it again with a token, or the token was refused. */
export type KerberosVerdict = {kind: 'resend'; web: KerberosState} | {kind: 'refused'};

/** What the web tier decides for Kerberos: whether NTLM takes over when it fails. */
export type KerberosSite = {
	/** A token could not be made: true when NTLM takes over (the site has switched to it), false to fail with the error. */
	fallBack(error: unknown): boolean;
	/** Whether the site still answers with Kerberos (a concurrent request may have switched it to NTLM). */
	usesKerberos(): boolean;
};

/**
Kerberos for one site. A token on a connection's first request (pre-emptively, once the site is
known to want Negotiate), its mutual authentication checked once for that connection, and later
requests on the connection without a token, when the site keeps authentication per connection.
The first request that relies on that is the site's one probe: if it is refused (a 401 on the very
socket that was authenticated), the site is remembered as wanting a token per request and every
later request gets its own token on the caller's agent, as before. Concurrent requests never each
pay a 401 to learn the same fact: while the probe is out, the others send tokens.
*/
export class KerberosLogin {
	readonly #settings: Pick<WebTierSettings, 'label' | 'spn' | 'mutualAuth'>;
	readonly #site: KerberosSite;
	readonly #trial = new KerberosTrial();
	#pool = new ConnectionPool();
	#binding: Binding = 'unknown';
	#probing = false;

	constructor(settings: Pick<WebTierSettings, 'label' | 'spn' | 'mutualAuth'>, site: KerberosSite) {
		this.#settings = settings;
		this.#site = site;
	}

	/**
	Puts Kerberos on a request: nothing on an authenticated connection of a site that keeps it (or
	the probe) — without an await, the hot path — else a fresh token. Undefined when the site has
	fallen back to NTLM. `bound` is the connection bound an earlier hop read from the caller's agent.
	*/
	before(options: NormalizedOptions, url: URL, previous: WebState | undefined, bound?: number): KerberosState | undefined | Promise<KerberosState | undefined> {
		const earlier = previous?.kind === 'kerberos' ? previous : undefined;
		if (earlier?.resend && earlier.lease) {
			// A request sent without a token was refused: again on the same connection, now with one.
			return this.#withToken(options, url, earlier.lease, earlier.bound);
		}

		// A retry (another hook's, got's own): the earlier attempt is over, its answer unread, as after an
		// error — a probe among them taught nothing, and another request may probe (else every later
		// request would carry a token for good, the probe never concluded).
		this.onError(earlier);
		if (this.#binding === 'request') {
			return this.#withToken(options, url, undefined, undefined);
		}

		// Read once: URL's protocol getter cuts a new string from the href on every read.
		const {protocol} = url;
		const limit = this.#pool.boundFor(options.agent, protocol, DEFAULT_KERBEROS_CONNECTIONS) ?? bound ?? earlier?.bound ?? DEFAULT_KERBEROS_CONNECTIONS;
		const lease = this.#pool.acquire(protocol, limit);
		const {connection} = lease;
		connection.carry(options.agent);

		if (connection.isAuthenticatedSocket(connection.socket)) {
			if (this.#binding === 'connection' || !this.#probing) {
				const probe = this.#binding === 'unknown';
				this.#probing ||= probe;
				if (options.headers.authorization !== undefined) {
					delete options.headers.authorization;
				}

				return probe ? {kind: 'kerberos', lease, bound: limit, probe} : {kind: 'kerberos', lease, bound: limit};
			}
		} else if (connection.authenticated) {
			// Its socket is gone (the server closed it): what goes next authenticates a new one.
			this.#pool.unauthenticated(connection);
		}

		return this.#withToken(options, url, lease, limit);
	}

	/** A request on an authenticated connection of a connection-bound site was answered: nothing to check. */
	isPlain(web: KerberosState): boolean {
		return web.client === undefined && !web.probe;
	}

	/**
	Reads a response that is not a 401: checks mutual authentication where a token went, and learns
	from the probe that the site keeps authentication per connection.
	*/
	async after(response: Response, web: KerberosState, url: URL): Promise<void> {
		const connection = web.lease?.connection;
		try {
			if (web.client) {
				const token = challengeToken(readChallenges(response), 'negotiate');
				if (response.statusCode < 400 || token !== undefined) {
					await verifyMutualAuth(web.client, token, this.#settings.mutualAuth, url);
				}

				// Only now: a connection whose server failed to prove itself is never trusted again.
				if (connection) {
					this.#pool.authenticated(connection, socketOf(response));
				}
			} else if (web.probe) {
				this.#learnConnectionBound();
			}
		} catch (error: unknown) {
			// Never shared while a token is out on it: no other request is cut off.
			if (connection) {
				this.#pool.discard(connection);
			}

			throw error;
		} finally {
			web.lease?.release();
		}
	}

	/**
	A 401. Without a token on an authenticated connection: send it again with one — and when the very
	socket that was authenticated said so, the site wants a token per request (remembered). With a
	token: the token was refused (the caller decides: a fallback to NTLM, or an error).
	*/
	after401(response: Response, web: KerberosState): KerberosVerdict {
		const {lease} = web;
		if (web.client || !lease) {
			// The token was refused: the connection stays unauthenticated, and may serve another request.
			lease?.release();
			return {kind: 'refused'};
		}

		if (web.probe) {
			this.#probing = false;
		}

		const {connection} = lease;
		if (connection.isAuthenticatedSocket(socketOf(response)) && this.#binding !== 'request') {
			this.#binding = 'request';
			debug('%s: %s wants a Kerberos token on every request; each request gets its own', this.#settings.label, new URL(response.url).host);
		}

		this.#pool.unauthenticated(connection);
		return {kind: 'resend', web: {kind: 'kerberos', lease, resend: true, ...(web.bound === undefined ? {} : {bound: web.bound})}};
	}

	/**
	A redirect hop: the request gives its connection back. A probe redirected was let through without
	a token (a site that wanted one would have answered 401): the site keeps authentication per
	connection. A token's hop leaves its connection unproven: afterResponse, where mutual
	authentication is checked, sees only the last hop.
	*/
	onHop(web: KerberosState | undefined): void {
		if (web?.probe) {
			this.#learnConnectionBound();
		}

		web?.lease?.release();
	}

	onError(web: KerberosState | undefined): void {
		if (web?.probe) {
			this.#probing = false;
		}

		// A token whose answer never came leaves the connection unauthenticated: nothing to undo.
		web?.lease?.release();
	}

	reset(): void {
		this.#pool.close();
		this.#pool = new ConnectionPool();
		this.#binding = 'unknown';
		this.#probing = false;
		this.#trial.reset();
	}

	#learnConnectionBound(): void {
		this.#binding = 'connection';
		this.#probing = false;
		debug('%s: the site keeps Kerberos authentication per connection; later requests on an authenticated connection carry no token', this.#settings.label);
	}

	/** A fresh token on the request (single-use: a Kerberos authenticator is never replayed). */
	async #withToken(options: NormalizedOptions, url: URL, lease: Lease | undefined, bound: number | undefined): Promise<KerberosState | undefined> {
		const running = this.#trial.running();
		if (running) {
			try {
				await running;
			} catch (error: unknown) {
				// Kerberos failed with nothing to fall back on (no NTLM credentials): the same verdict.
				if (this.#site.usesKerberos()) {
					lease?.release();
					throw error;
				}
			}

			if (!this.#site.usesKerberos()) {
				lease?.release();
				return undefined;
			}
		}

		const finish = this.#trial.begin();
		let failure: unknown;
		try {
			const kerberos = await findKerberos();
			if (!kerberos) {
				throw new TokenAuthenticationError('WEB_TIER_FAILED', `${KERBEROS_MISSING}.`, {url});
			}

			const {client, token} = await startKerberos(kerberos, servicePrincipal(url, this.#settings.spn), this.#settings.mutualAuth, url);
			// Sent pre-emptively: once the site is known to want Negotiate, no 401 round trip per request.
			options.headers.authorization = `Negotiate ${token}`;
			return {kind: 'kerberos', client, ...(lease ? {lease, ...(bound === undefined ? {} : {bound})} : {})};
		} catch (error: unknown) {
			failure = error;
			lease?.release();
			if (!this.#site.fallBack(error)) {
				throw error;
			}

			return undefined;
		} finally {
			finish(failure);
		}
	}
}

/** The socket a response came on: Node detaches it from the response once the body is read and the socket is free again. */
function socketOf(response: Response): Socket | undefined {
	return response.request.socket ?? response.socket ?? undefined;
}
