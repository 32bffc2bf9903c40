import got from 'got';
import {ArcGISServerTokenAuth} from '../../dist/index.js';
import type {EmulatorThread} from '../emulator-thread.js';

/** N concurrent first requests through a new handler: how many discovery and token calls. */
export async function coldStart(emu: EmulatorThread, requests: number) {
	await emu.reset();
	const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
	const results = await Promise.allSettled(Array.from({length: requests}, async () => got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}).json<{services?: unknown}>()));
	const stats = await emu.stats();
	return {
		requests,
		failed: results.filter(result => result.status === 'rejected' || !result.value.services).length,
		info: stats.counts['server.info'] ?? 0,
		generateToken: stats.counts['server.generateToken'] ?? 0,
	};
}
