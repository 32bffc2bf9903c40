import type {TokenPlace} from './request.js';

/** One request as the emulator saw it. Never a password, a token or a query string. */
export type LogEntry = {
	method: string;
	/** The path as sent, without the query string. */
	path: string;
	tokenIn: TokenPlace | null;
	status: number;
	/** The `Referer` header without its query string or fragment (a browser's referer can carry a token). */
	referer?: string;
	/** The scheme of the `Authorization` header (`NTLM`, `Negotiate`, `Bearer`), never its value. */
	authScheme?: string;
	/** The `content-length` the client declared. */
	contentLength?: number;
	remotePort: number;
};

/** The log keeps the newest entries only, so a 100 000-request soak stays bounded; counts stay exact. */
export const LOG_LIMIT = 10_000;

/**
What the emulator saw, for specs and the benchmark: exact counts per endpoint (`'server.info'`,
`'server.generateToken'`, `'admin.generateToken'`, `'portal.generateToken'`, `'portal.self'`,
`'services'`, `'query'`...), the totals of requests, token calls and failed logins, and a bounded log.
*/
export class EmulatorStats {
	readonly counts: Record<string, number> = {};
	/** Requests answered, all endpoints. */
	requests = 0;
	/** generateToken calls of every kind (server, admin, portal, federation exchange), failed ones included. */
	tokenCalls = 0;
	/** Logins refused for a wrong password, an unknown user or a locked account. */
	failedLogins = 0;
	#log: LogEntry[] = [];

	/** The newest {@link LOG_LIMIT} requests, oldest first (a copy). */
	get log(): LogEntry[] {
		return this.#log.slice(-LOG_LIMIT);
	}

	count(endpoint: string): void {
		this.counts[endpoint] = (this.counts[endpoint] ?? 0) + 1;
	}

	record(entry: LogEntry): void {
		this.requests++;
		this.#log.push(entry);
		// Trimmed in batches: one copy per LOG_LIMIT requests, not one per request.
		if (this.#log.length >= 2 * LOG_LIMIT) {
			this.#log = this.#log.slice(-LOG_LIMIT);
		}
	}

	reset(): void {
		for (const key of Object.keys(this.counts)) {
			delete this.counts[key];
		}

		this.requests = 0;
		this.tokenCalls = 0;
		this.failedLogins = 0;
		this.#log = [];
	}

	/** Plain data, for `JSON.stringify` and worker messages (a getter is not an own property). */
	toJSON(): {counts: Record<string, number>; requests: number; tokenCalls: number; failedLogins: number; log: LogEntry[]} {
		return {counts: {...this.counts}, requests: this.requests, tokenCalls: this.tokenCalls, failedLogins: this.failedLogins, log: this.log};
	}
}
