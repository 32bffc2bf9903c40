import {Agent} from 'node:http';
import got from 'got';
import {ArcGISServerTokenAuth, type TokenStore} from '../../dist/index.js';
import {RedisTokenStore} from '../../dist/redis/index.js';
import type {EmulatorThread} from '../emulator-thread.js';
import type {FleetChildConfig} from '../fleet-child.js';
import {Fleet, sumFleet} from '../fleet-processes.js';
import {pairOf, rotate, roundRatio} from '../measure.js';

const KEY = 'bench-fleet-key-0123456789abcdef-0123';

/** A store that counts the calls it passes on: the warm path must make none. */
function counted(store: RedisTokenStore): {store: TokenStore; calls: () => number} {
	let calls = 0;
	const count =
		<A extends unknown[], R>(call: (...args: A) => Promise<R>) =>
		async (...args: A) => {
			calls++;
			return call(...args);
		};
	return {
		store: {
			timing: store.timing,
			get: count(store.get.bind(store)),
			set: count(store.set.bind(store)),
			deleteIf: count(store.deleteIf.bind(store)),
			lock: count(store.lock.bind(store)),
			unlock: count(store.unlock.bind(store)),
			notify: count(store.notify.bind(store)),
			waitFor: count(store.waitFor.bind(store)),
		},
		calls: () => calls,
	};
}

export type FleetSize = {
	processes: number;
	/** Token lifetime and how long every process makes requests, for the short-token runs. */
	lifetimeSeconds: number;
	seconds: number;
	/** Warm-path requests against plain got; undefined: count the store calls only, no timing. */
	warmRequests: number | undefined;
};

/**
A fleet on Redis (GOT_ARCGIS_REDIS_URL, as scripts/redis/up.sh writes it), as real processes
(bench/fleet-child.ts), with and without a store: generateToken calls when all start cold at once,
and with short tokens while all make requests for a while. Every run is a new handler in each
process (the processes are spawned once: each spawn costs a second of CPU on these machines). Then the warm path of one handler with a
store against plain got with its token, in rounds, in this process (a per-request figure): it must
not touch Redis, so it costs what a handler without a store costs. Undefined when no Redis is up.
*/
export async function fleet(emu: EmulatorThread, size: FleetSize) {
	const url = process.env.GOT_ARCGIS_REDIS_URL;
	if (!url) {
		return undefined;
	}

	const run = `bench-${process.pid}-${Date.now().toString(36)}`;
	const servicesUrl = `${emu.serverUrl}/rest/services?f=json`;
	const problems: string[] = [];
	let failed = 0;
	const processes = new Fleet(size.processes);
	/** generateToken calls of `processes` processes making the requests `config` says, each with a store or none. */
	const tokenCalls = async (name: string, withStore: boolean, config: Omit<FleetChildConfig, 'servicesUrl' | 'store'>) => {
		await emu.reset();
		const store = withStore ? {url, prefix: `${run}-${name}:`, encryptionKey: KEY} : undefined;
		const outcomes = await processes.run(
			Array.from({length: size.processes}, () => ({servicesUrl, store, ...config})),
			60_000 + (config.seconds ?? 0) * 1000,
		);
		const total = sumFleet(outcomes);
		failed += total.failed;
		problems.push(...total.problems);
		return {calls: (await emu.stats()).counts['server.generateToken'] ?? 0, requests: total.ok + total.failed};
	};

	let coldStore;
	let coldPlain;
	let shortStore;
	let shortPlain;
	try {
		coldStore = await tokenCalls('cold', true, {requests: 1, concurrency: 1});
		coldPlain = await tokenCalls('cold-plain', false, {requests: 1, concurrency: 1});
		await emu.setOptions({tokenLifetimeSeconds: size.lifetimeSeconds});
		const short = {requests: 0, seconds: size.seconds, concurrency: 1, gapMs: 20};
		shortStore = await tokenCalls('short', true, short);
		shortPlain = await tokenCalls('short-plain', false, short);
	} finally {
		await emu.setOptions({tokenLifetimeSeconds: 3600});
		await processes.close();
	}

	const warm = await warmPath(emu, url, `${run}-warm:`, size.warmRequests);
	return {
		processes: size.processes,
		coldTokenCalls: {store: coldStore.calls, noStore: coldPlain.calls},
		short: {
			lifetimeSeconds: size.lifetimeSeconds,
			seconds: size.seconds,
			store: shortStore.calls,
			noStore: shortPlain.calls,
			requests: {store: shortStore.requests, noStore: shortPlain.requests},
		},
		failed,
		problems,
		...warm,
	};
}

/** One handler with a (counted) store, warm, against plain got with its token: store calls and the ratio of times. */
async function warmPath(emu: EmulatorThread, url: string, prefix: string, requests: number | undefined) {
	await emu.reset();
	const redis = new RedisTokenStore({url, prefix, encryptionKey: KEY});
	const wrapped = counted(redis);
	const agent = {http: new Agent({keepAlive: true, maxSockets: 1})};
	try {
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {store: wrapped.store});
		const services = `${emu.serverUrl}/rest/services`;
		const hooked = got.extend({hooks: auth.hooks, agent});
		await hooked(`${services}?f=json`);
		const token = auth.token!;
		const plain = got.extend({agent});
		const before = wrapped.calls();
		const warmRequests = requests ?? 200;
		const variants = {ours: async () => hooked(`${services}?f=json`), plain: async () => plain.post(services, {form: {f: 'json', token}, headers: {referer: 'got-arcgis-auth'}})};
		await rotate(warmRequests / 6, 40, variants);
		const rounds = await rotate(warmRequests, 40, variants);
		return {
			warmStoreCalls: wrapped.calls() - before,
			warmRequests: Math.round(warmRequests + warmRequests / 6),
			ratio: requests === undefined ? undefined : roundRatio(pairOf(rounds, 'ours', 'plain')),
		};
	} finally {
		agent.http.destroy();
		await redis.close();
	}
}
