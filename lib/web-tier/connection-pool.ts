import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import type {Socket} from 'node:net';
import type {Agents} from 'got';

export type Agent = HttpAgent | HttpsAgent;

/** How long an extra connection may sit idle before the pool closes it (see ConnectionPool). */
export const IDLE_TIMEOUT_MS = 30_000;

// The pool's own agents: on a retry or a redirect hop `options.agent` is one of them, and its
// one-socket limit says nothing about the caller's wishes.
const pooled = new WeakSet<object>();

/**
How many connections a request's caller allows: the `maxSockets` of its own agent for the URL's
protocol when that is finite (a caller who limits sockets per host means it for these too), else
`fallback`. Undefined when the request already runs on a pool's agent (a retry or a later hop):
the bound read on its first pick still holds.
*/
export function callerBound(agents: {http?: unknown; https?: unknown} | undefined, protocol: string, fallback: number): number | undefined {
	const agent = (protocol === 'https:' ? agents?.https : agents?.http) as {maxSockets?: number} | undefined;
	if (agent !== undefined && pooled.has(agent)) {
		return undefined;
	}

	const max = agent?.maxSockets;
	return max !== undefined && Number.isFinite(max) && max >= 1 ? Math.floor(max) : fallback;
}

/**
One keep-alive connection: an agent limited to one socket, so that whatever is authenticated on
the socket (an NTLM handshake, a Kerberos context) is what the next request on it travels over, and
a handshake's legs cannot be split across sockets.
*/
export class Connection {
	readonly agent: Agent;
	readonly protocol: string;
	/**
	Requests picked for it and not yet answered (or failed): sent, queued in the agent, or still in
	got's hooks. Changed only by Lease; a field, not a getter, as is `authenticated`: the pick reads
	both for every request, and until V8 optimises it each getter is a call of its own.
	*/
	busy = 0;
	/** Whether a handshake on it succeeded (and no 401 on it since). Changed only by mark(Un)authenticated. */
	authenticated = false;
	#socket: Socket | undefined;
	/** Picks so far: the idle sweep closes a connection only when this stood still for a whole period. */
	uses = 0;

	constructor(protocol: string) {
		this.protocol = protocol;
		this.agent = protocol === 'https:' ? new HttpsAgent({keepAlive: true, maxSockets: 1}) : new HttpAgent({keepAlive: true, maxSockets: 1});
		pooled.add(this.agent);
	}

	/**
	The socket the authenticating response came on, when known. With one socket per agent, the
	connection is still authenticated exactly while this socket is open: a request that finds it
	destroyed will travel on a new, unauthenticated socket.
	*/
	get socket(): Socket | undefined {
		return this.#socket;
	}

	/** Whether `socket` (e.g. a response's `request.socket`) is the one that was authenticated, still open. */
	isAuthenticatedSocket(socket: Socket | undefined): boolean {
		return this.authenticated && socket !== undefined && socket === this.#socket && !socket.destroyed;
	}

	/**
	Sends a request over this connection: its agent becomes the request's agent for the protocol.
	Set in place, not through got's agent setter, which checks and copies its value on every request
	of the hot path: got gives every request attempt its own copy of the agents object (its options
	are cloned from the instance's), so neither the caller's object nor another request sees this.
	*/
	carry(agents: Agents): void {
		if (this.protocol === 'https:') {
			if (agents.https !== this.agent) {
				agents.https = this.agent as HttpsAgent;
			}
		} else if (agents.http !== this.agent) {
			agents.http = this.agent;
		}
	}

	markAuthenticated(socket: Socket | undefined): void {
		this.authenticated = true;
		this.#socket = socket ?? undefined;
	}

	markUnauthenticated(): void {
		this.authenticated = false;
		this.#socket = undefined;
	}
}

/**
One request's hold on a connection, from its pick until its response or error. Released at most
once however many paths report the end (a response, a redirect, an error, a retry started by
someone else): the busy count is what the pool balances on.
*/
export class Lease {
	#held = true;

	constructor(readonly connection: Connection) {
		connection.busy++;
		connection.uses++;
	}

	get held(): boolean {
		return this.#held;
	}

	release(): void {
		if (this.#held) {
			this.#held = false;
			this.connection.busy--;
		}
	}
}

/**
Connections to one site that authenticate a connection rather than a request (NTLM, and Kerberos on
a kept connection). It grows with demand: a request takes an idle authenticated connection; when
every one is busy and the bound allows, a new one (to authenticate); at the bound, the least busy
authenticated one (its agent queues the request on the socket). A connection still being
authenticated is never handed to another request: a request queued behind a handshake's first leg
would take the socket before the second leg and break the handshake. Extra connections left idle
for a while are closed; the last one stays (the server closes it when it wants: IIS after 120 s).
*/
export class ConnectionPool {
	readonly #connections: Connection[] = [];
	readonly #idleTimeout: number;
	#sweeper: NodeJS.Timeout | undefined;
	#seen = new WeakMap<Connection, number>();

	/** The caller's agent last read by boundFor, and what it allowed. */
	#lastAgent: unknown;
	#lastBound: number | undefined;

	constructor(options: {idleTimeout?: number} = {}) {
		this.#idleTimeout = options.idleTimeout ?? IDLE_TIMEOUT_MS;
	}

	/**
	callerBound, read once per caller's agent: a script's requests come through one agent, and
	the hot path (unoptimised by V8 for its first few thousand requests) need not look the agent up
	in the pool's registry and read its `maxSockets` on every request. A `maxSockets` changed on an
	agent after its first request here is not seen.
	*/
	boundFor(agents: {http?: unknown; https?: unknown} | undefined, protocol: string, fallback: number): number | undefined {
		const agent = protocol === 'https:' ? agents?.https : agents?.http;
		if (agent === undefined || agent !== this.#lastAgent) {
			this.#lastBound = callerBound(agents, protocol, fallback);
			this.#lastAgent = agent;
		}

		return this.#lastBound;
	}

	/**
	A lease on the connection for the next request to `protocol`, under `bound` connections. Its
	connection's `authenticated` says whether the request still has to authenticate it. Beyond the
	bound only when no connection of the protocol is authenticated (a request must go somewhere, and
	a connection mid-handshake cannot take it).
	*/
	acquire(protocol: string, bound: number): Lease {
		// One pass, no allocation, an indexed loop (not for…of, whose iterator costs a call per step
		// until V8 optimises this): this runs for every request of an authenticated site.
		let least: Connection | undefined;
		let spare: Connection | undefined;
		const connections = this.#connections;
		for (let index = 0; index < connections.length; index++) {
			const connection = connections[index]!;
			if (connection.protocol !== protocol) {
				continue;
			}

			if (!connection.authenticated) {
				// Idle and not authenticated (its handshake's answer was a redirect, or a 401 undid it):
				// the next handshake may run on it rather than on one more connection.
				spare ??= connection.busy === 0 ? connection : undefined;
				continue;
			}

			if (connection.busy === 0) {
				return new Lease(connection);
			}

			if (least === undefined || connection.busy < least.busy) {
				least = connection;
			}
		}

		if (least !== undefined && this.#connections.length >= bound) {
			return new Lease(least);
		}

		if (spare !== undefined) {
			return new Lease(spare);
		}

		const connection = new Connection(protocol);
		this.#connections.push(connection);
		this.#sweep();
		return new Lease(connection);
	}

	/** A handshake on the connection succeeded; `socket` is the one its answer came on. */
	authenticated(connection: Connection, socket?: Socket): void {
		connection.markAuthenticated(socket);
	}

	/** The connection is no longer known to be authenticated (a later 401 on it). */
	unauthenticated(connection: Connection): void {
		connection.markUnauthenticated();
	}

	/** Closes the connection and forgets it: a half-authenticated connection is never reused. */
	discard(connection: Connection): void {
		const index = this.#connections.indexOf(connection);
		if (index !== -1) {
			this.#connections.splice(index, 1);
		}

		connection.markUnauthenticated();
		connection.agent.destroy();
	}

	/** Every connection, for messages and specs. */
	get connections(): readonly Connection[] {
		return this.#connections;
	}

	/** How many connections are authenticated. */
	get authenticatedCount(): number {
		let count = 0;
		for (const connection of this.#connections) {
			count += connection.authenticated ? 1 : 0;
		}

		return count;
	}

	close(): void {
		clearInterval(this.#sweeper);
		this.#sweeper = undefined;
		for (const connection of this.#connections) {
			connection.agent.destroy();
		}

		this.#connections.length = 0;
	}

	/**
	Starts the idle sweep while there is more than one connection. A connection is idle when no
	request held it and none was picked for it for a whole period, so the sweep costs the requests
	nothing (no timer or clock per request). The timer is unref'd: it never keeps a script alive.
	*/
	#sweep(): void {
		if (this.#sweeper !== undefined || this.#connections.length < 2) {
			return;
		}

		this.#sweeper = setInterval(() => {
			// From the newest back: the oldest connection is the one that stays.
			for (const connection of [...this.#connections].reverse()) {
				const idle = connection.busy === 0 && this.#seen.get(connection) === connection.uses;
				this.#seen.set(connection, connection.uses);
				if (idle && this.#connections.length > 1) {
					this.discard(connection);
				}
			}

			if (this.#connections.length < 2) {
				clearInterval(this.#sweeper);
				this.#sweeper = undefined;
			}
		}, this.#idleTimeout);
		this.#sweeper.unref();
	}
}
