import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';
import type {Socket} from 'node:net';
import type {NormalizedOptions} from 'got';

type Agent = HttpAgent | HttpsAgent;

/** How many connections a site gets when the caller's agent sets no finite `maxSockets`. */
export const DEFAULT_CONNECTIONS = 16;

/** The agents of the pools: on a retry the request still carries one, and its one socket is no bound of the caller's. */
const ours = new WeakSet<Agent>();

/** The bound the caller's own agent sets for the request's protocol, if finite. */
function callerBound(options: NormalizedOptions, protocol: string): number | undefined {
	const agents = options.agent as {http?: Agent; https?: Agent} | undefined;
	const agent = protocol === 'https:' ? agents?.https : agents?.http;
	if (agent === undefined || ours.has(agent)) {
		return undefined;
	}

	const max = agent.maxSockets;
	return typeof max === 'number' && Number.isFinite(max) && max > 0 ? max : undefined;
}

/** One TCP connection: a keep-alive agent limited to one socket, so its requests share that socket. */
class Line {
	readonly agent: Agent;
	/** Requests picked for this connection and not yet answered (also those Node has not sent yet). */
	busy = 0;
	/** The socket a token was accepted on. */
	socket: Socket | undefined;
	/** Closed after a half-done handshake: never picked again. */
	retired = false;

	constructor(readonly https: boolean) {
		this.agent = https ? new HttpsAgent({keepAlive: true, maxSockets: 1}) : new HttpAgent({keepAlive: true, maxSockets: 1});
		ours.add(this.agent);
	}

	/** The authenticated socket is still open, so a request queued on this connection goes on it. */
	authenticatedNow(): boolean {
		return this.socket !== undefined && !this.socket.destroyed;
	}
}

/** A request's hold on a connection, given back exactly once whatever path the request takes. */
export class Connection {
	#line: Line | undefined;
	readonly agent: Agent;

	constructor(line: Line) {
		this.#line = line;
		this.agent = line.agent;
		line.busy++;
	}

	/** The connection is authenticated and its socket open: the request may go without a token. */
	reusable(): boolean {
		return this.#line?.authenticatedNow() ?? false;
	}

	/** A token was accepted on this socket. */
	authenticated(socket: Socket | undefined): void {
		if (this.#line && socket) {
			this.#line.socket = socket;
		}
	}

	/** Whether this response came on the socket that was authenticated. */
	answeredOn(socket: Socket | undefined): boolean {
		return socket !== undefined && socket === this.#line?.socket;
	}

	unauthenticated(): void {
		if (this.#line) {
			this.#line.socket = undefined;
		}
	}

	/**
	The connection is not to be trusted again (its server failed to prove itself): never picked again,
	and closed once the requests already queued on it are done — destroying it now would cut them off.
	*/
	discard(): void {
		if (this.#line) {
			this.#line.socket = undefined;
			this.#line.retired = true;
		}
	}

	release(): void {
		const line = this.#line;
		if (line) {
			line.busy--;
			this.#line = undefined;
			if (line.retired && line.busy === 0) {
				line.agent.destroy();
			}
		}
	}
}

/**
A site's connections for authentication bound to a TCP connection: an idle authenticated one if
there is one, else a new one while there is room (the caller's `maxSockets`, or DEFAULT_CONNECTIONS),
else the least busy (Node queues on its one socket).
*/
export class Connections {
	#lines: Line[] = [];

	acquire(protocol: string, options: NormalizedOptions): Connection {
		const https = protocol === 'https:';
		const lines = this.#lines.filter(line => line.https === https && !line.retired);
		const idle = lines.find(line => line.busy === 0 && line.authenticatedNow()) ?? lines.find(line => line.busy === 0);
		if (idle) {
			return new Connection(idle);
		}

		if (lines.length < (callerBound(options, protocol) ?? DEFAULT_CONNECTIONS)) {
			const line = new Line(https);
			this.#lines = [...this.#lines.filter(kept => !kept.retired), line];
			return new Connection(line);
		}

		const least = lines.reduce((best, line) => (line.busy < best.busy ? line : best));
		return new Connection(least);
	}

	close(): void {
		for (const line of this.#lines) {
			line.agent.destroy();
		}

		this.#lines = [];
	}
}
