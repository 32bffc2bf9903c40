import {Agent} from 'node:http';
import type {Got} from 'got';
import {ArcGISServerAuth, createSession} from '../../dist/index.js';
import {delayLogSize, dnsLookup, iwa, readAccessLog, readDelayLog, settleLog, type LogLine} from '../../spec/integration/iwa-env.js';
import {median, pairOf, rotate, roundRatio} from '../measure.js';

export type WebTierSize = {
	/** Rounds, each with every variant, the order rotating (see rotate). */
	rounds: number;
	/** Calls of each variant in a round. */
	perRound: number;
	/** Sequential requests in one call of a sequential variant. */
	sequential: number;
	/** Requests in flight at once in one call of a batch variant (through the delay proxy). */
	inFlight: number;
};

type Variant = 'anon' | 'ntlm' | 'kerberos' | 'kerberosBound' | 'anonInFlight' | 'ntlmInFlight';

/** What the access log shows for the NTLM requests of one variant. */
function ntlmCounts(lines: LogLine[], expected: number, label: string) {
	const served = lines.filter(line => line.status === 200);
	if (served.length !== expected) {
		throw new Error(`the access log shows ${served.length} of ${expected} ${label} requests served`);
	}

	const connections = new Set(served.map(line => line.port));
	// A handshake is a 401 (Type 1 → Type 2) on a connection that then serves requests; a 401 on a
	// connection that never served is a request sent before any connection was authenticated.
	const challenged = lines.filter(line => line.status === 401);
	const handshakes = challenged.filter(line => connections.has(line.port)).length;
	return {requests: expected, handshakes, connections: connections.size, other401: challenged.length - handshakes};
}

function kerberosCounts(lines: LogLine[], expected: number, label: string) {
	const served = lines.filter(line => line.status === 200 && line.user !== '' && line.user !== '-').length;
	if (served !== expected) {
		throw new Error(`the access log shows ${served} of ${expected} ${label} requests served to a user`);
	}

	return {requests: expected, extra401: lines.filter(line => line.status === 401).length, connections: new Set(lines.map(line => line.port)).size};
}

/**
Against the real Apache (scripts/iwa), with the library as built in dist/: one request at a time
with NTLM (/ntlm), Kerberos per request (/kerberos) and Kerberos bound to the connection
(/kerberos-bound), each beside the same request to the anonymous location (/anon); and
`inFlight` NTLM requests at once through the delay proxy (IWA_DELAY_MS each way) beside as many
anonymous ones through it (the time for the whole batch). All variants take turns in the same
rounds (rotate), so every ratio is the median of its rounds' ratios, A and B measured within
seconds of each other; the access log tells the counts (handshakes, 401s) for each variant.
Undefined when the servers are not up.
*/
export async function webTier(size: WebTierSize) {
	if (!iwa) {
		return undefined;
	}

	const base = iwa.base;
	const delayBase = iwa.delayBase;
	const path = '/arcgis/rest/services?f=json';
	const user = `${iwa.domain}\\${iwa.user}`;
	const session = (auth?: ArcGISServerAuth): Got => createSession(auth ? {auth} : {}).extend({dnsLookup, retry: {limit: 0}});
	const sequential = (client: Got, url: string) => async () => {
		for (let index = 0; index < size.sequential; index++) {
			await client(url);
		}
	};

	const batch = (client: Got, url: string) => async () => Promise.all(Array.from({length: size.inFlight}, async () => client(url)));

	await settleLog();
	const mark = readAccessLog().size;
	const delayMark = delayLogSize();
	const variants: Partial<Record<Variant, () => Promise<unknown>>> = {
		anon: sequential(session(), `${base}/anon${path}`),
		ntlm: sequential(session(new ArcGISServerAuth(user, iwa.password)), `${base}/ntlm${path}`),
	};
	const skipped: string[] = [];
	// Kerberos needs the optional kerberos module: one request each tells whether it can be measured.
	for (const [name, prefix] of [
		['kerberos', 'kerberos'],
		['kerberosBound', 'kerberos-bound'],
	] as const) {
		const client = session(new ArcGISServerAuth());
		try {
			await client(`${base}/${prefix}${path}`);
			variants[name] = sequential(client, `${base}/${prefix}${path}`);
		} catch (error: unknown) {
			skipped.push(`/${prefix}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	if (delayBase) {
		// A caller who sends 64 at once and wants them in parallel says so with its agent: the NTLM
		// pool's bound follows its maxSockets (without one, the pool stops at 16 connections, and 64
		// requests go in four waves). Both sides get the same agent settings.
		const parallel = () => ({http: new Agent({keepAlive: true, maxSockets: size.inFlight})});
		variants.anonInFlight = batch(session().extend({agent: parallel()}), `${delayBase}/anon${path}`);
		variants.ntlmInFlight = batch(session(new ArcGISServerAuth(user, iwa.password)).extend({agent: parallel()}), `${delayBase}/ntlm${path}`);
	} else {
		skipped.push('in flight through the delay proxy: no IWA_DELAY_BASE_URL (an env from an older up.sh)');
	}

	for (const reason of skipped) {
		process.stderr.write(`bench: web tier, not measured: ${reason}\n`);
	}

	const active = variants as Record<Variant, () => Promise<unknown>>;
	// Untimed warm-up calls: the handshakes, the anonymous batch's connections, the JIT.
	const warmUp = 3;
	for (const action of Object.values(active)) {
		for (let index = 0; index < warmUp; index++) {
			await action();
		}
	}

	const rounds = await rotate(size.rounds * size.perRound, size.perRound, active);
	await settleLog();

	// Every call, warm-up included, as the access log must show it.
	const calls = warmUp + rounds.length * size.perRound;
	const lines = readAccessLog(mark).lines;
	const proxied = readDelayLog(delayMark);
	const under = (prefix: string, viaProxy: boolean) => lines.filter(line => line.path.startsWith(`/${prefix}/`) && proxied.has(line.port) === viaProxy);
	const perRequest = (name: Variant) => median(rounds.flatMap(round => round[name])) / (name.endsWith('InFlight') ? 1 : size.sequential);
	const has = (name: Variant) => name in variants;

	return {
		rounds: rounds.length,
		perRound: size.perRound,
		sequential: size.sequential,
		anonMedianMs: perRequest('anon'),
		ntlm: {...ntlmCounts(under('ntlm', false), calls * size.sequential, 'sequential NTLM'), ratio: roundRatio(pairOf(rounds, 'ntlm', 'anon')), medianMs: perRequest('ntlm')},
		kerberos: has('kerberos')
			? {...kerberosCounts(under('kerberos', false), calls * size.sequential + 1, 'Kerberos per-request'), ratio: roundRatio(pairOf(rounds, 'kerberos', 'anon')), medianMs: perRequest('kerberos')}
			: undefined,
		kerberosBound: has('kerberosBound')
			? {
					...kerberosCounts(under('kerberos-bound', false), calls * size.sequential + 1, 'Kerberos connection-bound'),
					ratio: roundRatio(pairOf(rounds, 'kerberosBound', 'anon')),
					medianMs: perRequest('kerberosBound'),
				}
			: undefined,
		ntlmInFlight: has('ntlmInFlight')
			? {
					inFlight: size.inFlight,
					delayMs: iwa.delayMs,
					...ntlmCounts(under('ntlm', true), calls * size.inFlight, `NTLM ${size.inFlight}-in-flight`),
					ratio: roundRatio(pairOf(rounds, 'ntlmInFlight', 'anonInFlight')),
					batchMs: perRequest('ntlmInFlight'),
					anonBatchMs: perRequest('anonInFlight'),
				}
			: undefined,
		skipped,
	};
}
