import {Agent} from 'node:http';
import got from 'got';
import {ArcGISServerTokenAuth, type TokenStore} from '../../dist/index.js';
import {RedisTokenStore} from '../../dist/redis/index.js';
import type {EmulatorThread} from '../emulator-thread.js';
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

/**
A fleet on Redis (GOT_ARCGIS_REDIS_URL, as scripts/redis/up.sh writes it): `processes` handlers,
each with a RedisTokenStore of its own (its own connections, as a process has), start cold at once
— one generateToken between them; then the warm path of one of them against plain got with its
token, in rounds: it must not touch Redis, so it costs what a handler without a store costs.
Undefined when no Redis is up.
*/
export async function fleet(emu: EmulatorThread, processes: number, requests: number | undefined) {
	const url = process.env.GOT_ARCGIS_REDIS_URL;
	if (!url) {
		return undefined;
	}

	await emu.reset();
	const prefix = `bench-${process.pid}-${Date.now().toString(36)}:`;
	const stores = Array.from({length: processes}, () => new RedisTokenStore({url, prefix, encryptionKey: KEY}));
	const wrapped = stores.map(counted);
	try {
		const handlers = wrapped.map(({store}) => new ArcGISServerTokenAuth('demo', 'demo1234', {store}));
		const services = `${emu.serverUrl}/rest/services`;
		const cold = await Promise.allSettled(handlers.map(async auth => got(`${services}?f=json`, {hooks: auth.hooks}).json<{services?: unknown}>()));
		const coldCalls = (await emu.stats()).counts['server.generateToken'] ?? 0;
		const failed = cold.filter(result => result.status === 'rejected' || !result.value.services).length;

		const agent = {http: new Agent({keepAlive: true, maxSockets: 1})};
		const hooked = got.extend({hooks: handlers[0]!.hooks, agent});
		await hooked(`${services}?f=json`);
		const token = handlers[0]!.token!;
		const plain = got.extend({agent});
		const before = wrapped[0]!.calls();
		const warmRequests = requests ?? 200;
		const variants = {ours: async () => hooked(`${services}?f=json`), plain: async () => plain.post(services, {form: {f: 'json', token}, headers: {referer: 'got-arcgis-auth'}})};
		await rotate(warmRequests / 6, 40, variants);
		const rounds = await rotate(warmRequests, 40, variants);
		agent.http.destroy();
		return {
			processes,
			coldTokenCalls: coldCalls,
			failed,
			warmStoreCalls: wrapped[0]!.calls() - before,
			warmRequests: Math.round(warmRequests + warmRequests / 6),
			ratio: requests === undefined ? undefined : roundRatio(pairOf(rounds, 'ours', 'plain')),
		};
	} finally {
		await Promise.all(stores.map(async store => store.close()));
	}
}
