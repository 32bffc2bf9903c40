import {Agent} from 'node:http';
import type {Got} from 'got';
import {ArcGISServerAuth, createSession} from '../../dist/index.js';
import {delayLogSize, dnsLookup, iwa, readAccessLog, readDelayLog, settleLog, type LogLine} from '../../spec/integration/iwa-env.js';
import {alternate, median, pairOf, rotate, roundRatio} from '../measure.js';

export type WebTierSize = {
	/** Rounds, each with every variant, the order rotating (see rotate). */
	rounds: number;
	/** Requests of each sequential variant in a round, one at a time, each timed on its own. */
	perRound: number;
	/** Batches of each in-flight variant in a round. */
	batchesPerRound: number;
	/** Requests in flight at once in one batch (through the delay proxy). */
	inFlight: number;
	/**
	Untimed requests of each sequential variant, in turns, between the first rounds and the steady
	ones: enough for V8 to optimise the handler's hot path (here after about 2 000 requests; until
	then each function it runs costs its full price, see docs/12).
	*/
	settle: number;
};

type Sequential = 'anon' | 'ntlm' | 'kerberos' | 'kerberosBound';
type Batch = 'anonInFlight' | 'ntlmInFlight';

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
Against the real Apache (scripts/iwa), with the library as built in dist/: requests one at a time
with NTLM (/ntlm), Kerberos per request (/kerberos) and Kerberos bound to the connection
(/kerberos-bound), each beside the same request to the anonymous location (/anon); and
`inFlight` NTLM requests at once through the delay proxy (IWA_DELAY_MS each way) beside as many
anonymous ones through it (the time for the whole batch). The variants of each kind take turns in
the same rounds (rotate), so every ratio is the median of its rounds' ratios, A and B measured
within seconds of each other. A round's figure for a sequential variant is the median of its
requests, each timed on its own: one request held up by the machine moves it no more than any
other one does (a median of a few ten-request sums moved with every hiccup). The sequential
rounds run twice: first as a process's first requests (V8 still runs the handler's code
unoptimised), then, after `settle` more of each, in the steady state a script of a few thousand
requests spends its time in; both ratios are reported. The access log tells the counts
(handshakes, 401s) for each variant. Undefined when the servers are not up.
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
	const batch = (client: Got, url: string) => async () => Promise.all(Array.from({length: size.inFlight}, async () => client(url)));

	await settleLog();
	const mark = readAccessLog().size;
	const delayMark = delayLogSize();
	const anonClient = session();
	const ntlmClient = session(new ArcGISServerAuth(user, iwa.password));
	const sequential: Partial<Record<Sequential, () => Promise<unknown>>> = {
		anon: async () => anonClient(`${base}/anon${path}`),
		ntlm: async () => ntlmClient(`${base}/ntlm${path}`),
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
			sequential[name] = async () => client(`${base}/${prefix}${path}`);
		} catch (error: unknown) {
			skipped.push(`/${prefix}: ${error instanceof Error ? error.message : String(error)}`);
		}
	}

	const batches: Partial<Record<Batch, () => Promise<unknown>>> = {};
	if (delayBase) {
		// A caller who sends 64 at once and wants them in parallel says so with its agent: the NTLM
		// pool's bound follows its maxSockets (without one, the pool stops at 16 connections, and 64
		// requests go in four waves). Both sides get the same agent settings.
		const parallel = () => ({http: new Agent({keepAlive: true, maxSockets: size.inFlight})});
		batches.anonInFlight = batch(session().extend({agent: parallel()}), `${delayBase}/anon${path}`);
		batches.ntlmInFlight = batch(session(new ArcGISServerAuth(user, iwa.password)).extend({agent: parallel()}), `${delayBase}/ntlm${path}`);
	} else {
		skipped.push('in flight through the delay proxy: no IWA_DELAY_BASE_URL (an env from an older up.sh)');
	}

	for (const reason of skipped) {
		process.stderr.write(`bench: web tier, not measured: ${reason}\n`);
	}

	// Untimed warm-up: the handshakes, the anonymous batch's connections.
	const warmUp = {requests: 30, batches: 3};
	for (const action of Object.values(sequential)) {
		for (let index = 0; index < warmUp.requests; index++) {
			await action();
		}
	}

	for (const action of Object.values(batches)) {
		for (let index = 0; index < warmUp.batches; index++) {
			await action();
		}
	}

	// The same rounds twice: a process's first requests, and the steady state once V8 has optimised.
	const variants = sequential as Record<Sequential, () => Promise<unknown>>;
	const firstRounds = await alternate(size.rounds, size.perRound, variants);
	const settling = await alternate(1, size.settle, variants);
	const seqRounds = await alternate(size.rounds, size.perRound, variants);
	const batchRounds = delayBase ? await rotate(size.rounds * size.batchesPerRound, size.batchesPerRound, batches as Record<Batch, () => Promise<unknown>>) : [];
	await settleLog();

	// Every request, warm-up included, as the access log must show it.
	// Counted, not computed: alternate rounds a round up to whole cycles (every variant runs as many as anon).
	const requests = warmUp.requests + [...firstRounds, ...settling, ...seqRounds].reduce((sum, round) => sum + round.anon.length, 0);
	const batchRequests = (warmUp.batches + batchRounds.length * size.batchesPerRound) * size.inFlight;
	const lines = readAccessLog(mark).lines;
	const proxied = readDelayLog(delayMark);
	const under = (prefix: string, viaProxy: boolean) => lines.filter(line => line.path.startsWith(`/${prefix}/`) && proxied.has(line.port) === viaProxy);
	const perRequest = (name: Sequential) => median(seqRounds.flatMap(round => round[name]));
	// Each sequential case ÷ anonymous: steady (`ratio`), and in the process's first rounds (`first`).
	const ratios = (name: Sequential) => ({ratio: roundRatio(pairOf(seqRounds, name, 'anon')), first: roundRatio(pairOf(firstRounds, name, 'anon'))});
	const perBatch = (name: Batch) => median(batchRounds.flatMap(round => round[name]));
	const has = (name: Sequential | Batch) => name in sequential || name in batches;

	return {
		rounds: seqRounds.length,
		perRound: size.perRound,
		settle: size.settle,
		anonMedianMs: perRequest('anon'),
		firstAnonMedianMs: median(firstRounds.flatMap(round => round.anon)),
		ntlm: {...ntlmCounts(under('ntlm', false), requests, 'sequential NTLM'), ...ratios('ntlm'), medianMs: perRequest('ntlm')},
		kerberos: has('kerberos') ? {...kerberosCounts(under('kerberos', false), requests + 1, 'Kerberos per-request'), ...ratios('kerberos'), medianMs: perRequest('kerberos')} : undefined,
		kerberosBound: has('kerberosBound')
			? {...kerberosCounts(under('kerberos-bound', false), requests + 1, 'Kerberos connection-bound'), ...ratios('kerberosBound'), medianMs: perRequest('kerberosBound')}
			: undefined,
		ntlmInFlight: has('ntlmInFlight')
			? {
					inFlight: size.inFlight,
					delayMs: iwa.delayMs,
					...ntlmCounts(under('ntlm', true), batchRequests, `NTLM ${size.inFlight}-in-flight`),
					ratio: roundRatio(pairOf(batchRounds, 'ntlmInFlight', 'anonInFlight')),
					batchMs: perBatch('ntlmInFlight'),
					anonBatchMs: perBatch('anonInFlight'),
				}
			: undefined,
		skipped,
	};
}
