// npm run soak: 100 000 requests against the emulator with 1-second tokens and random
// revocations, 32 in flight. Exits non-zero on any failed request. Not part of npm test.
// npm run soak -- --fleet 8: the same spread over 8 handlers, each with a RedisTokenStore of its own
// (as 8 processes would have) on GOT_ARCGIS_REDIS_URL (scripts/redis/up.sh): still 0 failed, and
// the token calls of one handler, not of eight.
import {Agent} from 'node:http';
import {parseArgs} from 'node:util';
import got from 'got';
import {ArcGISServerTokenAuth} from '../dist/index.js';
import {RedisTokenStore} from '../dist/redis/index.js';
import {EmulatorThread} from './emulator-thread.js';

const {values} = parseArgs({options: {requests: {type: 'string', default: '100000'}, concurrency: {type: 'string', default: '32'}, fleet: {type: 'string', default: '0'}}});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);
const fleetSize = Number(values.fleet);
const redisUrl = process.env.GOT_ARCGIS_REDIS_URL;
if (fleetSize > 0 && !redisUrl) {
	console.error('soak --fleet needs a Redis: scripts/redis/up.sh, then . .redis/env');
	process.exit(2);
}

function heapMb(): number {
	(globalThis as {gc?: () => void}).gc?.();
	return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
}

const emu = await EmulatorThread.start({tokenLifetimeSeconds: 1});
const agent = {http: new Agent({keepAlive: true, maxSockets: concurrency})};
const prefix = `soak-${process.pid}-${Date.now().toString(36)}:`;
const stores = Array.from({length: fleetSize}, () => new RedisTokenStore({url: redisUrl!, prefix, encryptionKey: 'soak-fleet-key-0123456789abcdef-0123'}));
const handlers = fleetSize > 0 ? stores.map(store => new ArcGISServerTokenAuth('demo', 'demo1234', {store})) : [new ArcGISServerTokenAuth('demo', 'demo1234')];
const clients = handlers.map(auth => got.extend({hooks: auth.hooks, agent, retry: {limit: 0}}));
const url = `${emu.serverUrl}/rest/services?f=json`;
await Promise.all(clients.map(async client => client(url)));
const heapStart = heapMb();
const started = Date.now();
let next = 0;
let completed = 0;
let failed = 0;
let revocations = 0;
let lastRevocation = Date.now();
const failures = new Map<string, number>();

// Revocations at random, at least 250 ms apart: a request caught by two revocations within its
// own refresh would fail by design (one refresh per request), and that is not what is measured.
const revoker = setInterval(() => {
	if (Math.random() < 0.3 && Date.now() - lastRevocation >= 250) {
		lastRevocation = Date.now();
		revocations++;
		void emu.revoke();
	}
}, 100);

async function worker(index: number): Promise<void> {
	const client = clients[index % clients.length]!;
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
	await Promise.all(Array.from({length: concurrency}, async (_, index) => worker(index)));
} finally {
	clearInterval(revoker);
	await Promise.all(stores.map(async store => store.close()));
}

const seconds = (Date.now() - started) / 1000;
const {tokenCalls, requests} = await emu.stats();
const heapEnd = heapMb();
await emu.close();
console.log(`requests: ${total} in ${seconds.toFixed(1)} s (${concurrency} in flight${fleetSize > 0 ? `, ${fleetSize} handlers sharing a Redis store` : ''}), served ${requests}`);
console.log(`failed requests: ${failed}${failures.size > 0 ? ` (${[...failures].map(([key, count]) => `${key}: ${count}`).join(', ')})` : ''}`);
console.log(`token calls: ${tokenCalls} (1-second tokens, ${revocations} revocations)`);
console.log(`heap: ${heapStart} MB at start, ${heapEnd} MB at end`);
process.exitCode = failed === 0 ? 0 : 1;
