// npm run soak -- --fleet N: the soak as N processes (bench/fleet-child.ts), each with its handler
// and a RedisTokenStore of its own, sharing the requests and the concurrency. This process runs the
// emulator (1-second tokens), the revocations, and a redis-server of its own that it stops and
// restarts (same port, by PID) at random moments: still 0 failed requests.
import {existsSync} from 'node:fs';
import {delimiter, join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {OwnRedis} from '../spec/helpers/redis.js';
import type {EmulatorThread} from './emulator-thread.js';
import {Fleet, formatFailures, share, sumFleet} from './fleet-processes.js';
import {revokeAtRandom} from './revoker.js';

/** GOT_ARCGIS_REDIS_SERVER, else redis-server on PATH; undefined when there is neither. */
function redisServerBinary(): string | undefined {
	const given = process.env.GOT_ARCGIS_REDIS_SERVER;
	if (given) {
		return given;
	}

	return (process.env.PATH ?? '')
		.split(delimiter)
		.map(dir => join(dir, 'redis-server'))
		.find(path => existsSync(path));
}

/**
Stops the Redis and starts it again (same port) every 5–12 s, down for 0.2–0.8 s each time,
until `signal` aborts; resolves with the number of restarts, Redis up.
*/
async function restartAtRandom(redis: OwnRedis, signal: AbortSignal): Promise<number> {
	let restarts = 0;
	const pause = async (fromMs: number, toMs: number) => sleep(fromMs + Math.random() * (toMs - fromMs), undefined, {signal}).catch(() => undefined);
	for (;;) {
		await pause(5000, 12_000);
		if (signal.aborted) {
			return restarts;
		}

		await redis.stop();
		await sleep(200 + Math.random() * 600);
		await redis.start();
		restarts++;
	}
}

export type SoakFleetOptions = {processes: number; requests: number; concurrency: number; timeoutSeconds: number};

/** Runs the fleet soak, prints its figures; the exit code: 0 only if no request failed and every process gave its result. */
export async function soakFleet(emu: EmulatorThread, options: SoakFleetOptions): Promise<number> {
	const server = redisServerBinary();
	if (!server) {
		console.error('soak --fleet needs redis-server: on PATH, or GOT_ARCGIS_REDIS_SERVER (scripts/redis/up.sh installs it and writes it to its env file)');
		return 2;
	}

	const redis = await OwnRedis.start([], server);
	const fleet = new Fleet(options.processes);
	const servicesUrl = `${emu.serverUrl}/rest/services?f=json`;
	const store = {url: redis.url, prefix: `soak-${process.pid}-${Date.now().toString(36)}:`, encryptionKey: 'soak-fleet-key-0123456789abcdef-0123'};
	const requests = share(options.requests, options.processes);
	const concurrency = share(options.concurrency, options.processes).map(lanes => Math.max(1, lanes));
	const configs = requests.map((count, index) => ({servicesUrl, store, requests: count, concurrency: concurrency[index]!, warm: true}));
	const stopRestarts = new AbortController();
	let revoker: ReturnType<typeof revokeAtRandom> | undefined;
	let restarts: Promise<number> = Promise.resolve(0);
	let started = Date.now();
	try {
		const outcomes = await fleet.run(configs, options.timeoutSeconds * 1000, () => {
			started = Date.now();
			void emu.reset();
			revoker = revokeAtRandom(emu);
			restarts = restartAtRandom(redis, stopRestarts.signal);
		});
		const seconds = (Date.now() - started) / 1000;
		revoker?.stop();
		stopRestarts.abort();
		const total = sumFleet(outcomes);
		const {tokenCalls, requests: served} = await emu.stats();
		const failures = formatFailures(total.failures);
		console.log(
			`requests: ${total.ok + total.failed} of ${options.requests} in ${seconds.toFixed(1)} s (${options.processes} processes, ${options.concurrency} in flight, each with a RedisTokenStore on a Redis of the soak's own), served ${served}`,
		);
		const lost = total.problems.length > 0 ? `; ${total.problems.length} of ${options.processes} processes gave no result (FAILED below)` : '';
		console.log(`failed requests: ${total.failed}${failures ? ` (${failures})` : ''}${lost}`);
		console.log(`token calls: ${tokenCalls} (1-second tokens, ${revoker?.count ?? 0} revocations, ${await restarts} Redis restarts)`);
		if (total.heapMb.length > 0) {
			console.log(`heap at end: ${Math.min(...total.heapMb)}–${Math.max(...total.heapMb)} MB per process`);
		}

		for (const problem of total.problems) {
			console.log(`FAILED: ${problem}`);
		}

		return total.failed === 0 && total.problems.length === 0 ? 0 : 1;
	} finally {
		revoker?.stop();
		stopRestarts.abort();
		await restarts.catch(() => 0);
		await fleet.close();
		await redis.remove();
	}
}
