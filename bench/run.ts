// npm run bench [-- --json out.json] [-- --smoke] [-- --only fleet,cold]
// The library (as built in dist/) against its baselines and its peer, side by side in one run.
import {writeFileSync} from 'node:fs';
import {parseArgs} from 'node:util';
import {EmulatorThread} from './emulator-thread.js';
import {coldStart} from './workloads/cold-start.js';
import {memory} from './workloads/memory.js';
import {overhead} from './workloads/overhead.js';
import {peer} from './workloads/peer.js';
import {FEDERATED, federated} from './workloads/federated.js';
import {fleet} from './workloads/fleet.js';
import {expiry, ourClient, revocation} from './workloads/steady.js';
import {webTier} from './workloads/web-tier.js';

const WORKLOADS = ['overhead', 'cold', 'expiry', 'revocation', 'peer', 'memory', 'web', 'federated', 'fleet'] as const;
const {values} = parseArgs({options: {json: {type: 'string'}, smoke: {type: 'boolean', default: false}, only: {type: 'string'}}});
const smoke = values.smoke;
// --only: the named workloads alone (comma-separated), e.g. to measure one of them again.
const only = values.only?.split(',').map(name => name.trim());
const unknown = only?.filter(name => !(WORKLOADS as readonly string[]).includes(name)) ?? [];
if (unknown.length > 0) {
	console.error(`bench: --only ${unknown.join(',')}: no such workload (${WORKLOADS.join(', ')})`);
	process.exit(2);
}

/** Runs a workload unless --only leaves it out. */
const when = async <T>(name: (typeof WORKLOADS)[number], workload: () => Promise<T>): Promise<T | undefined> => (only && !only.includes(name) ? undefined : workload());
// The smoke run (CI) checks counts, never times: the machines are shared and noisy.
const size = smoke
	? {requests: 200, cold: 50, expirySeconds: 3, lifetime: 2, memory: [200, 2000] as const, web: {rounds: 10, perRound: 2, batchesPerRound: 1, inFlight: 64, settle: 20}}
	: {requests: 2000, cold: 200, expirySeconds: 10, lifetime: 2, memory: [2000, 20_000] as const, web: {rounds: 40, perRound: 20, batchesPerRound: 2, inFlight: 64, settle: 2000}};
// The smoke run: 4 processes (each spawn costs about a second of CPU), short-token requests for 3 s, no timing.
const fleetSize = {processes: smoke ? 4 : 8, lifetimeSeconds: size.lifetime, seconds: size.expirySeconds, warmRequests: smoke ? undefined : size.requests * 3};

/** A median of rounds with its spread, for the table. */
const spread = (ratio: {median: number; min: number; max: number}) => `${ratio.median} (rounds ${ratio.min}–${ratio.max})`;

const emu = await EmulatorThread.start({federatedServers: FEDERATED});
const log = (line: string) => process.stderr.write(`${line}\n`);
try {
	log(`bench: ${smoke ? 'smoke' : 'full'} run, emulator on ${emu.url} (worker thread)`);
	// Three times the other workloads' requests: a 3 % figure needs many rounds on a shared machine.
	const timing = smoke ? undefined : await when('overhead', async () => overhead(emu, size.requests * 3));
	const cold = await when('cold', async () => coldStart(emu, size.cold));
	const expiryResult = await when('expiry', async () => expiry(emu, size.expirySeconds, size.lifetime));
	const revocationResult = await when('revocation', async () => revocation(emu, size.requests, 3, ourClient(emu)));
	const peerResult = await when('peer', async () => peer(emu, smoke ? 100 : size.requests));
	const heap = smoke ? undefined : await when('memory', async () => memory(emu, size.memory[0], size.memory[1]));
	const web = await when('web', async () => webTier(size.web));
	const fed = await when('federated', async () => federated(emu, smoke ? 60 : 600, !smoke));
	const fleetResult = await when('fleet', async () => fleet(emu, fleetSize));

	const targets: Array<{name: string; value: number; limit: string; pass: boolean}> = [];
	const target = (name: string, value: number, limit: string, pass: boolean) => targets.push({name, value, limit, pass});
	if (timing) {
		target('overhead ratio (hooks ÷ plain got, median of rounds)', timing.overhead.median, '≤ 1.03', timing.overhead.median <= 1.03);
		target('OAuth overhead (ArcGISPortalOAuthAuth ÷ plain got, median of rounds)', timing.oauth.median, '≤ 1.03', timing.oauth.median <= 1.03);
	}

	if (cold) {
		target('cold start: rest/info calls', cold.info, '= 1', cold.info === 1);
		target('cold start: generateToken calls', cold.generateToken, '= 1', cold.generateToken === 1);
		target('cold start: failed requests', cold.failed, '= 0', cold.failed === 0);
	}

	const expiryLimit = (seconds: number, lifetimeSeconds: number) => seconds / (lifetimeSeconds / 2) + 1;
	if (expiryResult) {
		const limit = expiryLimit(expiryResult.seconds, expiryResult.lifetimeSeconds);
		target('expiry: token calls', expiryResult.tokenCalls, `≤ ${limit}`, expiryResult.tokenCalls <= limit);
		target('expiry: failed requests', expiryResult.failed, '= 0', expiryResult.failed === 0);
	}

	if (revocationResult) {
		target('revocation: failed requests', revocationResult.failed, '= 0', revocationResult.failed === 0);
		target('revocation: token calls', revocationResult.tokenCalls, '= 4', revocationResult.tokenCalls === 4);
	}

	if (fed) {
		target('federated: token calls, 3 servers cold', fed.coldTokenCalls, '= 4 (1 portal + 1 per server)', fed.coldTokenCalls === 4);
		target(
			'federated: exchanges after one server revoked',
			fed.exchangesAfterRevocation.imagery ?? 0,
			'= 2, others 1',
			fed.exchangesAfterRevocation.imagery === 2 && fed.exchangesAfterRevocation.hosting === 1 && fed.exchangesAfterRevocation.raster === 1,
		);
		target('federated: failed requests', fed.failed, '= 0', fed.failed === 0);
		if (fed.perRequest !== undefined) {
			target('federated path ÷ a server handler on the same server, median of rounds', fed.perRequest.median, '≤ 1.02', fed.perRequest.median <= 1.02);
		}
	}

	if (fleetResult) {
		const {processes, coldTokenCalls, short} = fleetResult;
		target(`fleet on Redis: ${processes} processes cold, generateToken calls with the store`, coldTokenCalls.store, '= 1', coldTokenCalls.store === 1);
		target(`fleet on Redis: ${processes} processes cold, generateToken calls without`, coldTokenCalls.noStore, `= ${processes}`, coldTokenCalls.noStore === processes);
		// With the store the fleet refreshes as one handler does (the expiry target); without, each process does.
		const limit = expiryLimit(short.seconds, short.lifetimeSeconds);
		target(`fleet on Redis: ${short.lifetimeSeconds} s tokens over ${short.seconds} s, token calls with the store`, short.store, `≤ ${limit}`, short.store <= limit);
		target('fleet on Redis: failed requests', fleetResult.failed, '= 0', fleetResult.failed === 0);
		target('fleet on Redis: processes that gave no result', fleetResult.problems.length, '= 0', fleetResult.problems.length === 0);
		target('fleet on Redis: store calls on the warm path', fleetResult.warmStoreCalls, '= 0', fleetResult.warmStoreCalls === 0);
		if (fleetResult.ratio) {
			target('fleet on Redis: warm path ÷ plain got, median of rounds', fleetResult.ratio.median, '≤ 1.05', fleetResult.ratio.median <= 1.05);
		}
	}

	if (heap) {
		target('heap growth (20k ÷ 2k requests)', heap.growthRatio, '≤ 1.10', heap.growthRatio <= 1.1);
		target('MaxListenersExceeded warnings', heap.maxListenersWarnings, '= 0', heap.maxListenersWarnings === 0);
	}

	if (web) {
		target('NTLM sequential: handshakes', web.ntlm.handshakes, `≤ ${web.ntlm.connections} pooled connection(s)`, web.ntlm.handshakes <= web.ntlm.connections);
		if (web.kerberos) {
			// The anonymous probe's, and the one request that finds out the site wants a token each time.
			target('Kerberos per request: extra 401s', web.kerberos.extra401, '≤ 2', web.kerberos.extra401 <= 2);
		}

		if (web.kerberosBound) {
			target('Kerberos connection-bound: extra 401s', web.kerberosBound.extra401, '≤ 1', web.kerberosBound.extra401 <= 1);
		}

		if (web.ntlmInFlight) {
			target(
				`NTLM ${web.ntlmInFlight.inFlight} in flight: handshakes`,
				web.ntlmInFlight.handshakes,
				`≤ ${web.ntlmInFlight.connections} pooled connection(s)`,
				web.ntlmInFlight.handshakes <= web.ntlmInFlight.connections,
			);
		}

		// Times only in a full run; each is the median of rounds in which both sides took turns.
		if (!smoke) {
			// The steady state: what a script's requests cost once V8 has optimised the hot path (the first rounds are in the table).
			target('NTLM sequential ÷ anonymous, steady, median of rounds', web.ntlm.ratio.median, '≤ 1.05', web.ntlm.ratio.median <= 1.05);
			if (web.kerberosBound) {
				target('Kerberos connection-bound ÷ anonymous, steady, median of rounds', web.kerberosBound.ratio.median, '≤ 1.15', web.kerberosBound.ratio.median <= 1.15);
			}

			if (web.ntlmInFlight) {
				target(
					`NTLM ${web.ntlmInFlight.inFlight} in flight ÷ anonymous ${web.ntlmInFlight.inFlight} in flight (delay proxy), median of rounds`,
					web.ntlmInFlight.ratio.median,
					'≤ 1.5',
					web.ntlmInFlight.ratio.median <= 1.5,
				);
			}
		}
	}

	const report = {
		...(timing ? {overhead: timing.overhead, oauth: timing.oauth, floor: timing.floor, control: timing.control, forcePost: timing.forcePost, medians: timing.medians} : {}),
		...(cold ? {coldStart: {requests: cold.requests, info: cold.info, generateToken: cold.generateToken}} : {}),
		...(expiryResult ? {expiry: {seconds: expiryResult.seconds, lifetimeSeconds: expiryResult.lifetimeSeconds, tokenCalls: expiryResult.tokenCalls, failed: expiryResult.failed}} : {}),
		...(revocationResult ? {revocation: {requests: revocationResult.requests, failed: revocationResult.failed, tokenCalls: revocationResult.tokenCalls}} : {}),
		...(peerResult ? {peer: peerResult} : {}),
		...(fed ? {federated: fed} : {}),
		...(fleetResult ? {fleet: fleetResult} : {}),
		...(heap ? {heap: {after2k: heap.after2k, after20k: heap.after20k, growthRatio: heap.growthRatio}} : {}),
		...(web ? {webTier: web} : {}),
		targets,
	};

	const rows: Array<[string, string]> = [
		...(timing
			? ([
					[`overhead: hooks ÷ plain got, median of ${timing.rounds} rounds`, `${spread(timing.overhead)} (${timing.medians.oursMs.toFixed(3)} ms vs ${timing.medians.plainGotMs.toFixed(3)} ms)`],
					['OAuth: ArcGISPortalOAuthAuth ÷ plain got with its access token (portal)', spread(timing.oauth)],
					['floor: empty hooks ÷ plain got (what any hook costs)', spread(timing.floor)],
					["control: plain got ÷ plain got (this machine's noise)", spread(timing.control)],
					['forcePost on ÷ off', spread(timing.forcePost)],
				] as Array<[string, string]>)
			: []),
		...(cold ? ([[`cold start: ${cold.requests} concurrent first requests`, `${cold.info} info, ${cold.generateToken} generateToken, ${cold.failed} failed`]] as Array<[string, string]>) : []),
		...(expiryResult
			? ([
					[
						`expiry: ${expiryResult.lifetimeSeconds} s tokens over ${expiryResult.seconds} s`,
						`${expiryResult.requests} requests, ${expiryResult.tokenCalls} token calls, ${expiryResult.failed} failed`,
					],
				] as Array<[string, string]>)
			: []),
		...(revocationResult
			? ([[`revocation: 3 during ${revocationResult.requests} requests`, `${revocationResult.failed} failed, ${revocationResult.tokenCalls} token calls`]] as Array<[string, string]>)
			: []),
		...(peerResult
			? ([
					[`peer ${peerResult.name} ${peerResult.version}: its time ÷ ours`, String(peerResult.sequentialRatio)],
					['peer: revocation 3 times', `${peerResult.revocationFailed} failed, ${peerResult.revocationTokenCalls} token calls`],
				] as Array<[string, string]>)
			: []),
		...(fed
			? ([
					[
						`federated: ${fed.requests} concurrent requests over ${fed.servers} servers`,
						`${fed.coldTokenCalls} token calls (${fed.portalLogins} portal login), ${fed.failed} failed${fed.perRequest === undefined ? '' : `; ×${spread(fed.perRequest)} a server handler's time on the same server`}`,
					],
				] as Array<[string, string]>)
			: []),
		...(fleetResult
			? ([
					[`fleet on Redis: ${fleetResult.processes} processes cold at once`, `generateToken ${fleetResult.coldTokenCalls.store} with the store, ${fleetResult.coldTokenCalls.noStore} without`],
					[
						`fleet on Redis: ${fleetResult.processes} processes, ${fleetResult.short.lifetimeSeconds} s tokens over ${fleetResult.short.seconds} s`,
						`token calls ${fleetResult.short.store} with the store (${fleetResult.short.requests.store} requests), ${fleetResult.short.noStore} without (${fleetResult.short.requests.noStore} requests)`,
					],
					['fleet on Redis: failed requests, processes without a result', `${fleetResult.failed} failed${fleetResult.problems.length > 0 ? `; ${fleetResult.problems.join('; ')}` : ', 0 processes'}`],
					[
						'fleet on Redis: warm path of a handler with a store',
						`${fleetResult.warmStoreCalls} store calls in ${fleetResult.warmRequests} requests${fleetResult.ratio ? `, ×${spread(fleetResult.ratio)} plain got` : ''}`,
					],
				] as Array<[string, string]>)
			: only && !only.includes('fleet')
				? []
				: ([['fleet on Redis', 'not measured: scripts/redis/up.sh is not up (GOT_ARCGIS_REDIS_URL)']] as Array<[string, string]>)),
		...(heap
			? ([
					[
						`heap after ${heap.requests.first} / ${heap.requests.total} requests`,
						`${(heap.after2k / 1e6).toFixed(1)} MB / ${(heap.after20k / 1e6).toFixed(1)} MB (×${heap.growthRatio}), ${heap.maxListenersWarnings} listener warnings`,
					],
				] as Array<[string, string]>)
			: []),
		...(web
			? ([
					[
						`web tier: ${web.rounds} + ${web.rounds} rounds, anonymous request ${web.firstAnonMedianMs.toFixed(3)} / ${web.anonMedianMs.toFixed(3)} ms`,
						`each case ÷ anonymous requests on the same server, median of rounds: steady (after ${web.settle} more of each), then in the first rounds${web.skipped.length > 0 ? `; not measured: ${web.skipped.join('; ')}` : ''}`,
					],
					[
						`NTLM sequential: ${web.ntlm.requests} requests`,
						`×${spread(web.ntlm.ratio)} (${web.ntlm.medianMs.toFixed(3)} ms), first ×${spread(web.ntlm.first)}; ${web.ntlm.handshakes} handshake(s) on ${web.ntlm.connections} connection(s)`,
					],
					...(web.kerberos
						? ([
								[
									`Kerberos per request: ${web.kerberos.requests} requests`,
									`×${spread(web.kerberos.ratio)} (${web.kerberos.medianMs.toFixed(3)} ms), first ×${spread(web.kerberos.first)}; ${web.kerberos.extra401} extra 401 on ${web.kerberos.connections} connection(s)`,
								],
							] as Array<[string, string]>)
						: []),
					...(web.kerberosBound
						? ([
								[
									`Kerberos connection-bound: ${web.kerberosBound.requests} requests`,
									`×${spread(web.kerberosBound.ratio)} (${web.kerberosBound.medianMs.toFixed(3)} ms), first ×${spread(web.kerberosBound.first)}; ${web.kerberosBound.extra401} extra 401 on ${web.kerberosBound.connections} connection(s)`,
								],
							] as Array<[string, string]>)
						: []),
					...(web.ntlmInFlight
						? ([
								[
									`NTLM ${web.ntlmInFlight.inFlight} in flight, delay proxy +${web.ntlmInFlight.delayMs} ms each way: ${web.ntlmInFlight.requests} requests`,
									`×${spread(web.ntlmInFlight.ratio)} (batch ${web.ntlmInFlight.batchMs.toFixed(1)} ms vs ${web.ntlmInFlight.anonBatchMs.toFixed(1)} ms); ${web.ntlmInFlight.handshakes} handshake(s) on ${web.ntlmInFlight.connections} connection(s), ${web.ntlmInFlight.other401} other 401`,
								],
							] as Array<[string, string]>)
						: []),
				] as Array<[string, string]>)
			: only && !only.includes('web')
				? []
				: ([['web tier', 'not measured: scripts/iwa/up.sh is not up']] as Array<[string, string]>)),
	];
	const width = Math.max(...rows.map(([name]) => name.length));
	console.log(`\n| ${'workload'.padEnd(width)} | result |\n|${'-'.repeat(width + 2)}|--------|`);
	for (const [name, value] of rows) {
		console.log(`| ${name.padEnd(width)} | ${value} |`);
	}

	console.log('');
	for (const item of targets) {
		console.log(`${item.pass ? 'PASS' : 'MISS'}  ${item.name}: ${item.value} (target ${item.limit})`);
	}

	if (values.json) {
		writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
		log(`bench: figures written to ${values.json}`);
	}

	process.exitCode = targets.every(item => item.pass) ? 0 : 1;
} finally {
	await emu.close();
}
