import {lookup, type LookupAddress, type LookupOptions} from 'node:dns';
import {readFileSync} from 'node:fs';

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
		}
	: undefined;

export const HOW_TO_ENABLE = 'IWA integration specs skipped: run scripts/iwa/up.sh (and scripts/iwa/kerberos-module.sh), then `. .iwa/env` (or $IWA_DIR/env) before npm test.';

/** The test host name is not in DNS: resolve it to 127.0.0.1 for these requests only. */
export function dnsLookup(hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void {
	if (iwa && hostname === iwa.host) {
		if (options.all) {
			callback(null, [{address: '127.0.0.1', family: 4}]);
		} else {
			callback(null, '127.0.0.1', 4);
		}

		return;
	}

	lookup(hostname, options, callback as never);
}

export type LogLine = {port: number; keepAlive: number; status: number; method: string; path: string; user: string};

/** Reads Apache's access log from a byte offset (lines: client port, requests on the connection, status, method, path, user). */
export function readAccessLog(from = 0): {lines: LogLine[]; size: number} {
	const text = readFileSync(iwa!.accessLog);
	const lines = text
		.subarray(from)
		.toString('utf8')
		.split('\n')
		.filter(Boolean)
		.map(line => {
			const [port, keepAlive, status, method, path, user] = line.split(' ');
			return {port: Number(port), keepAlive: Number(keepAlive), status: Number(status), method: method ?? '', path: path ?? '', user: (user ?? '').replaceAll('"', '')};
		});
	return {lines, size: text.length};
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
