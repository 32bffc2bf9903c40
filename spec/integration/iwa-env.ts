import {readFileSync} from 'node:fs';
import {loopbackLookup} from './loopback-lookup.js';

/** The environment scripts/iwa/up.sh writes, or undefined when it is not up. */
export const iwa = process.env.IWA_BASE_URL
	? {
			base: process.env.IWA_BASE_URL,
			host: process.env.IWA_HOST ?? 'arcgis.example.test',
			user: process.env.IWA_USER ?? 'alice',
			password: process.env.IWA_PASSWORD ?? '',
			domain: process.env.IWA_DOMAIN ?? 'EXAMPLE',
			realm: process.env.IWA_REALM ?? 'EXAMPLE.TEST',
			accessLog: process.env.IWA_ACCESS_LOG ?? '',
			/** The same server by IP address: no principal in the KDC for its SPN (HTTP/127.0.0.1). */
			unknownSpnBase: process.env.IWA_UNKNOWN_SPN_BASE_URL,
			kdcLog: process.env.IWA_KDC_LOG,
			/** The same server through the delay proxy (scripts/iwa/delay-proxy.mjs): one connection to Apache per client connection, IWA_DELAY_MS each way. */
			delayBase: process.env.IWA_DELAY_BASE_URL,
			delayMs: process.env.IWA_DELAY_MS === undefined ? undefined : Number(process.env.IWA_DELAY_MS),
			/** The delay proxy's connections: client port, then the port of its connection to Apache (the `port` of that connection's log lines). */
			delayLog: process.env.IWA_DELAY_LOG,
		}
	: undefined;

export const HOW_TO_ENABLE = 'IWA integration specs skipped: run scripts/iwa/up.sh (and scripts/iwa/kerberos-module.sh), then `. .iwa/env` (or $IWA_DIR/env) before npm test.';

/** The test host name is not in DNS: resolve it to 127.0.0.1 for these requests only. */
export const dnsLookup = loopbackLookup(hostname => iwa !== undefined && hostname === iwa.host);

export type LogLine = {
	/** The client's port (%{remote}p): one per TCP connection. */
	port: number;
	/** Requests before this one on the connection (%k): 0 for the first. */
	keepAlive: number;
	status: number;
	method: string;
	path: string;
	/** The authenticated user (X-Remote-User), '' or '-' when none. */
	user: string;
	/** The time Apache took for the request (%D), in microseconds; undefined in a log from an up.sh without it. */
	durationUs: number | undefined;
};

// client port, %k, status, method, path, "user" (Apache escapes `"`, `\` and control characters), %D.
const LINE = /^(\d+) (\d+) (\d+) (\S+) (\S+) "((?:[^"\\]|\\.)*)"(?: (\d+))?$/;

/** Undoes Apache's escaping of a logged header value (\", \\, \xhh and the like). */
function unescape(value: string): string {
	const named: Record<string, string> = {n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v'};
	return value.replaceAll(/\\(x[\da-fA-F]{2}|.)/g, (_, escaped: string) => (escaped.length === 3 ? String.fromCodePoint(Number.parseInt(escaped.slice(1), 16)) : (named[escaped] ?? escaped)));
}

/** One line of the access log, in up.sh's LogFormat (see scripts/iwa/README.md). */
export function parseLogLine(line: string): LogLine {
	const match = LINE.exec(line);
	if (!match) {
		throw new Error(`not a line of the IWA access log: ${JSON.stringify(line)}`);
	}

	const [, port, keepAlive, status, method, path, user, duration] = match;
	return {
		port: Number(port),
		keepAlive: Number(keepAlive),
		status: Number(status),
		method: method!,
		path: path!,
		user: unescape(user!),
		durationUs: duration === undefined ? undefined : Number(duration),
	};
}

/** Reads Apache's access log from a byte offset (lines: client port, requests on the connection, status, method, path, user, duration). */
export function readAccessLog(from = 0): {lines: LogLine[]; size: number} {
	const text = readFileSync(iwa!.accessLog);
	const lines = text.subarray(from).toString('utf8').split('\n').filter(Boolean).map(parseLogLine);
	return {lines, size: text.length};
}

/** How long the delay proxy's log is now (a mark for readDelayLog); 0 without a delay log. */
export function delayLogSize(): number {
	return iwa?.delayLog ? readFileSync(iwa.delayLog).length : 0;
}

/**
The ports of the delay proxy's connections to Apache, as its access log names them (empty without a
delay log), from the byte offset `from` on: the ports of an earlier run's connections are reused by
the system for later ones, which a reader of only the later access-log lines must not mistake for
proxied.
*/
export function readDelayLog(from = 0): Set<number> {
	if (!iwa?.delayLog) {
		return new Set();
	}

	const text = readFileSync(iwa.delayLog).subarray(from).toString('utf8');
	return new Set(
		text
			.split('\n')
			.filter(Boolean)
			.map(line => Number(line.split(' ')[1])),
	);
}

/** How many ticket requests (TGS_REQ) for `principal` the KDC has logged so far. */
export function kdcRequestsFor(principal: string): number {
	return readFileSync(iwa!.kdcLog!, 'utf8')
		.split('\n')
		.filter(line => line.includes('TGS_REQ') && line.includes(` for ${principal},`)).length;
}

/** Waits for Apache to write the log lines of requests just answered (it logs after responding). */
export async function settleLog(): Promise<void> {
	await new Promise(resolve => setTimeout(resolve, 150));
}
