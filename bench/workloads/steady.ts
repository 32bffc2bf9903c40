import {Agent} from 'node:http';
import got from 'got';
import {ArcGISServerTokenAuth} from '../../dist/index.js';
import type {EmulatorThread} from '../emulator-thread.js';

/** One request through a handler; false when it did not get the catalog. */
export type Send = () => Promise<boolean>;

export function ourClient(emu: EmulatorThread): Send {
	const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
	const client = got.extend({hooks: auth.hooks, agent: {http: new Agent({keepAlive: true})}});
	return async () => {
		try {
			return Boolean((await client(`${emu.serverUrl}/rest/services?f=json`).json<{services?: unknown}>()).services);
		} catch {
			return false;
		}
	};
}

/** Short-lived tokens under steady load: token calls and failed requests. */
export async function expiry(emu: EmulatorThread, seconds: number, lifetimeSeconds: number) {
	await emu.setOptions({tokenLifetimeSeconds: lifetimeSeconds});
	await emu.reset();
	const send = ourClient(emu);
	const until = Date.now() + seconds * 1000;
	let requests = 0;
	let failed = 0;
	while (Date.now() < until) {
		requests++;
		if (!(await send())) {
			failed++;
		}
	}

	const {tokenCalls} = await emu.stats();
	await emu.setOptions({tokenLifetimeSeconds: 3600});
	return {seconds, lifetimeSeconds, requests, tokenCalls, failed};
}

/** Every token revoked `times` times, evenly, during `requests` requests: failed requests and token calls. */
export async function revocation(emu: EmulatorThread, requests: number, times: number, send: Send) {
	await emu.reset();
	let failed = 0;
	const every = Math.floor(requests / (times + 1));
	for (let index = 1; index <= requests; index++) {
		if (index % every === 0 && index / every <= times) {
			await emu.revoke();
		}

		if (!(await send())) {
			failed++;
		}
	}

	const {tokenCalls} = await emu.stats();
	return {requests, revocations: times, failed, tokenCalls};
}
