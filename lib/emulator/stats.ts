import type {TokenPlace} from './request.js';

export type LogEntry = {
	method: string;
	path: string;
	tokenIn: TokenPlace | null;
	status: number;
	referer?: string;
	contentLength?: number;
	remotePort: number;
};

/** The request log keeps the newest entries only, so a 100 000-request soak stays bounded. */
export const LOG_LIMIT = 10_000;

/**
What the emulator saw, for specs and the benchmark: exact counts per endpoint, the total of token
calls and failed logins, and a bounded log. Never a password or a token.
*/
export class EmulatorStats {
	readonly counts: Record<string, number> = {};
	tokenCalls = 0;
	failedLogins = 0;
	log: LogEntry[] = [];
	requests = 0;

	count(endpoint: string): void {
		this.counts[endpoint] = (this.counts[endpoint] ?? 0) + 1;
	}

	record(entry: LogEntry): void {
		this.requests++;
		this.log.push(entry);
		if (this.log.length > LOG_LIMIT * 1.5) {
			this.log = this.log.slice(-LOG_LIMIT);
		}
	}

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
