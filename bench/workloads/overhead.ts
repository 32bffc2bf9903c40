import {Agent} from 'node:http';
import got from 'got';
import {ArcGISServerTokenAuth} from '../../dist/index.js';
import type {EmulatorThread} from '../emulator-thread.js';
import {interleave, median, ratio} from '../measure.js';

/**
The hooks' cost next to plain got: the same wire request (POST, form body with the token, Referer)
through ArcGISServerTokenAuth and through got with a fixed token, on one keep-alive agent.
Then forcePost on against off.
*/
export async function overhead(emu: EmulatorThread, requests: number) {
	const agent = {http: new Agent({keepAlive: true, maxSockets: 1})};
	const url = `${emu.serverUrl}/rest/services`;
	const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
	const hooked = got.extend({hooks: auth.hooks, agent});
	await hooked(`${url}?f=json`);
	const token = auth.token!;
	const plain = got.extend({agent});
	const ours = async () => hooked(`${url}?f=json`);
	const baseline = async () => plain.post(url, {form: {f: 'json', token}, headers: {referer: 'got-arcgis-auth'}});
	const first = await interleave(requests, 10, ours, baseline);

	const getAuth = new ArcGISServerTokenAuth('demo', 'demo1234', {forcePost: false});
	const getClient = got.extend({hooks: getAuth.hooks, agent});
	await getClient(`${url}?f=json`);
	const second = await interleave(requests, 10, ours, async () => getClient(`${url}?f=json`));
	agent.http.destroy();
	return {
		overheadRatio: ratio(first.a, first.b),
		forcePostRatio: ratio(second.a, second.b),
		medians: {oursMs: median(first.a), plainGotMs: median(first.b), getMs: median(second.b)},
	};
}
