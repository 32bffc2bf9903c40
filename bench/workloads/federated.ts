import {Agent} from 'node:http';
import got from 'got';
import {ArcGISPortalTokenAuth, ArcGISServerTokenAuth} from '../../dist/index.js';
import type {EmulatorThread} from '../emulator-thread.js';
import {interleave, roundRatio} from '../measure.js';

export const FEDERATED = ['hosting', 'imagery', 'raster'];

/**
A portal handler on three federated servers: `requests` concurrent first requests spread over them
(token calls: 1 portal login + 1 exchange per server), a revocation of one server's tokens (one
more exchange, for that server only), then the per-request time of the portal handler on a federated server beside a server handler's
on the same server, both warm, on one keep-alive agent. The same server on both sides: the ratio is
then the cost of the federated path in the library (routing, the server token), not a difference
between the emulator's federated and standalone servers.
*/
export async function federated(emu: EmulatorThread, requests: number, timed: boolean) {
	await emu.reset();
	const roots = FEDERATED.map(name => `${emu.url}/${name}`);
	const auth = new ArcGISPortalTokenAuth('demo', 'demo1234');
	const client = got.extend({hooks: auth.hooks});
	const cold = await Promise.allSettled(Array.from({length: requests}, async (_, index) => client(`${roots[index % roots.length]}/rest/services?f=json`).json<{services?: unknown}>()));
	const afterCold = await emu.stats();
	await emu.revokeServer(roots[1]!);
	const again = await Promise.allSettled(roots.map(async root => client(`${root}/rest/services?f=json`).json<{services?: unknown}>()));
	const afterRevocation = await emu.stats();
	const failed = [...cold, ...again].filter(result => result.status === 'rejected' || !result.value.services).length;
	const exchanges = Object.fromEntries(FEDERATED.map(name => [name, afterRevocation.counts[`federated.${name}.exchangeToken`] ?? 0]));

	let perRequest: ReturnType<typeof roundRatio> | undefined;
	if (timed) {
		const agent = {http: new Agent({keepAlive: true, maxSockets: 1})};
		const fed = got.extend({hooks: auth.hooks, agent});
		// A server handler on the federated server logs in at its portal for that server (serverUrl).
		const standalone = got.extend({hooks: new ArcGISServerTokenAuth('demo', 'demo1234').hooks, agent});
		await standalone(`${roots[0]}/rest/services?f=json`);
		const times = await interleave(
			requests * 4,
			Math.round((requests * 4) / 40),
			async () => fed(`${roots[0]}/rest/services?f=json`),
			async () => standalone(`${roots[0]}/rest/services?f=json`),
		);
		agent.http.destroy();
		perRequest = roundRatio(times.rounds);
	}

	return {
		servers: roots.length,
		requests,
		failed,
		coldTokenCalls: afterCold.tokenCalls,
		portalLogins: afterCold.counts['portal.generateToken'] ?? 0,
		exchangesAfterRevocation: exchanges,
		perRequest,
	};
}
