// npm run soak: 100 000 requests against the emulator with 1-second tokens and random
// revocations, 32 in flight. Exits non-zero on any failed request. Not part of npm test.
// npm run soak -- --fleet 8 [--timeout 300]: the same spread over 8 processes, each with a
// RedisTokenStore of its own, on a Redis the soak restarts now and then (bench/soak-fleet.ts).
import {Agent} from 'node:http';
import {parseArgs} from 'node:util';
import got from 'got';
import {ArcGISServerTokenAuth} from '../dist/index.js';
import {EmulatorThread} from './emulator-thread.js';
import {revokeAtRandom} from './revoker.js';
import {soakFleet} from './soak-fleet.js';

const {values} = parseArgs({
	options: {requests: {type: 'string', default: '100000'}, concurrency: {type: 'string', default: '32'}, fleet: {type: 'string', default: '0'}, timeout: {type: 'string'}},
});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const fleetSize = Number(values.fleet);

function heapMb(): number {
	(globalThis as {gc?: () => void}).gc?.();
	return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
}

const emu = await EmulatorThread.start({tokenLifetimeSeconds: 1});
if (fleetSize > 0) {
	try {
		// A process of the fleet that has not finished by then (at least 100 requests a second) is killed and reported.
		const timeoutSeconds = values.timeout === undefined ? Math.max(120, total / 100) : Number(values.timeout);
		process.exitCode = await soakFleet(emu, {processes: fleetSize, requests: total, concurrency, timeoutSeconds});
	} finally {
		await emu.close();
	}

	process.exit();
}

const agent = {http: new Agent({keepAlive: true, maxSockets: concurrency})};
const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
const client = got.extend({hooks: auth.hooks, agent, retry: {limit: 0}});
const url = `${emu.serverUrl}/rest/services?f=json`;
await client(url);
const heapStart = heapMb();
const started = Date.now();
let next = 0;
let completed = 0;
let failed = 0;
const failures = new Map<string, number>();
const revoker = revokeAtRandom(emu);

async function worker(): Promise<void> {
	while (next < total) {
		next++;
		try {
			const body = await client(url).json<{services?: unknown; error?: {code: number}}>();
			if (!body.services) {
				failed++;
				failures.set(`error ${body.error?.code ?? '?'}`, (failures.get(`error ${body.error?.code ?? '?'}`) ?? 0) + 1);
			}
		} catch (error: unknown) {
			failed++;
			const key = (error as {code?: string}).code ?? 'error';
			failures.set(key, (failures.get(key) ?? 0) + 1);
		}

		if (++completed % 20_000 === 0) {
			process.stderr.write(`soak: ${completed} requests, ${failed} failed, heap ${heapMb()} MB\n`);
		}
	}
}

try {
	await Promise.all(Array.from({length: concurrency}, worker));
} finally {
	revoker.stop();
}

const seconds = (Date.now() - started) / 1000;
const {tokenCalls, requests} = await emu.stats();
const heapEnd = heapMb();
await emu.close();
console.log(`requests: ${total} in ${seconds.toFixed(1)} s (${concurrency} in flight), served ${requests}`);
console.log(`failed requests: ${failed}${failures.size > 0 ? ` (${[...failures].map(([key, count]) => `${key}: ${count}`).join(', ')})` : ''}`);
console.log(`token calls: ${tokenCalls} (1-second tokens, ${revoker.count} revocations)`);
console.log(`heap: ${heapStart} MB at start, ${heapEnd} MB at end`);
process.exitCode = failed === 0 ? 0 : 1;
