// npm run soak: 100 000 requests against the emulator with 1-second tokens and random
// revocations, 32 in flight. Exits non-zero on any failed request. Not part of npm test.
import {Agent} from 'node:http';
import {parseArgs} from 'node:util';
import got from 'got';
import {ArcGISServerTokenAuth} from '../dist/index.js';
import {EmulatorThread} from './emulator-thread.js';

const {values} = parseArgs({options: {requests: {type: 'string', default: '100000'}, concurrency: {type: 'string', default: '32'}}});
const total = Number(values.requests);
const concurrency = Number(values.concurrency);

function heapMb(): number {
	(globalThis as {gc?: () => void}).gc?.();
	return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
}

const emu = await EmulatorThread.start({tokenLifetimeSeconds: 1});
const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
const client = got.extend({hooks: auth.hooks, agent: {http: new Agent({keepAlive: true, maxSockets: concurrency})}, retry: {limit: 0}});
const url = `${emu.serverUrl}/rest/services?f=json`;
await client(url);
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
	await Promise.all(Array.from({length: concurrency}, async () => worker()));
} finally {
	clearInterval(revoker);
}

const seconds = (Date.now() - started) / 1000;
const {tokenCalls, requests} = await emu.stats();
const heapEnd = heapMb();
await emu.close();
console.log(`requests: ${total} in ${seconds.toFixed(1)} s (${concurrency} in flight), served ${requests}`);
console.log(`failed requests: ${failed}${failures.size > 0 ? ` (${[...failures].map(([key, count]) => `${key}: ${count}`).join(', ')})` : ''}`);
console.log(`token calls: ${tokenCalls} (1-second tokens, ${revocations} revocations)`);
console.log(`heap: ${heapStart} MB at start, ${heapEnd} MB at end`);
process.exitCode = failed === 0 ? 0 : 1;
