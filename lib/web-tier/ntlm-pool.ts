import {Agent as HttpAgent} from 'node:http';
import {Agent as HttpsAgent} from 'node:https';

type Agent = HttpAgent | HttpsAgent;

/** How many authenticated connections a site may hold: enough for parallel scripts, few handshakes. */
export const DEFAULT_NTLM_CONNECTIONS = 4;

function load(agent: Agent): number {
	const count = (table: NodeJS.ReadOnlyDict<unknown[]>) => Object.values(table).reduce((sum, list) => sum + (list?.length ?? 0), 0);
	return count(agent.sockets) + count(agent.requests);
}

/**
NTLM authenticates a TCP connection, not a request: Type 1 and Type 3 must travel on one socket, and
the server then trusts that socket for later requests. Each connection is a keep-alive agent limited
to one socket, so the handshake cannot be split and the authenticated socket is reused; the pool
holds a few of them per site and hands a request the least busy one.
*/
export class NtlmPool {
	readonly #authenticated = new Set<Agent>();
	readonly #pending = new Set<Agent>();
	readonly #max: number;

	constructor(max = DEFAULT_NTLM_CONNECTIONS) {
		this.#max = max;
	}

	/**
	An agent for the next request: an idle authenticated one, else a new one to authenticate (while
	the pool has room), else the least busy authenticated one (Node queues on it).
	*/
	pick(protocol: string): {agent: Agent; authenticated: boolean} {
		const agents = [...this.#authenticated].filter(agent => agent instanceof HttpsAgent === (protocol === 'https:'));
		const idle = agents.find(agent => load(agent) === 0);
		if (idle) {
			return {agent: idle, authenticated: true};
		}

		if (this.#authenticated.size + this.#pending.size < this.#max || agents.length === 0) {
			const agent = protocol === 'https:' ? new HttpsAgent({keepAlive: true, maxSockets: 1}) : new HttpAgent({keepAlive: true, maxSockets: 1});
			this.#pending.add(agent);
			return {agent, authenticated: false};
		}

		const [least] = agents.sort((a, b) => load(a) - load(b));
		return {agent: least!, authenticated: true};
	}

	/** The handshake on this agent succeeded: its socket is authenticated. */
	authenticated(agent: Agent): void {
		this.#pending.delete(agent);
		this.#authenticated.add(agent);
	}

	/** The agent's connection is no longer known to be authenticated (a later 401 on it). */
	unauthenticated(agent: Agent): void {
		this.#authenticated.delete(agent);
		this.#pending.add(agent);
	}

	/** A handshake failed: close its socket, so a half-authenticated connection is never reused. */
	discard(agent: Agent): void {
		this.#authenticated.delete(agent);
		this.#pending.delete(agent);
		agent.destroy();
	}

	/** Whether the agent belongs to this pool. */
	has(agent: unknown): agent is Agent {
		return this.#authenticated.has(agent as Agent) || this.#pending.has(agent as Agent);
	}

	get size(): number {
		return this.#authenticated.size;
	}

	close(): void {
		for (const agent of [...this.#authenticated, ...this.#pending]) {
			agent.destroy();
		}

		this.#authenticated.clear();
		this.#pending.clear();
	}
}
