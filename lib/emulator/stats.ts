import type {TokenPlace} from './request.js';
import type {TokenKind} from './token-store.js';

/** One request as the emulator saw it — never its token or password. */
export type LogEntry = {
	/** HTTP method. */
	method: string;
	/** Path, without the query. */
	path: string;
	/** Where the request carried a token, if it did. */
	tokenIn: TokenPlace | null;
	/** Which service minted that token, when the emulator knows it (not for revoked or made-up tokens). */
	tokenKind?: TokenKind;
	/** The status answered. */
	status: number;
	/** The Referer header, if any. */
	referer?: string;
	/** The content-length the client declared. */
	contentLength?: number;
	/** The client's port: one port, one connection. */
	remotePort: number;
};

/** The request log keeps the newest entries only, so a 100 000-request soak stays bounded. */
export const LOG_LIMIT = 10_000;

/**
What the emulator saw, for specs and the benchmark: exact counts per endpoint, the total of token
calls and failed logins, and a bounded log. Never a password or a token.
*/
export class EmulatorStats {
	/** Requests per endpoint, e.g. `server.info`, `server.generateToken`, `admin`, `portal.self`. */
	readonly counts: Record<string, number> = {};
	/** generateToken calls of every kind (server, admin, portal, federation exchange). */
	tokenCalls = 0;
	/** Logins refused for a wrong password or a locked account. */
	failedLogins = 0;
	/** The newest requests (at most about 15 000 kept). */
	log: LogEntry[] = [];
	/** Every request served. */
	requests = 0;

	/** @internal */
	count(endpoint: string): void {
		this.counts[endpoint] = (this.counts[endpoint] ?? 0) + 1;
	}

	/** @internal */
	record(entry: LogEntry): void {
		this.requests++;
		this.log.push(entry);
		if (this.log.length > LOG_LIMIT * 1.5) {
			this.log = this.log.slice(-LOG_LIMIT);
		}
	}

	/** Zeroes the counts and empties the log. */
	reset(): void {
		for (const key of Object.keys(this.counts)) {
			delete this.counts[key];
		}

		this.tokenCalls = 0;
		this.failedLogins = 0;
		this.requests = 0;
		this.log = [];
	}
}
