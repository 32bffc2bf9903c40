import {Agent} from 'node:http';
import got from 'got';
import {ArcGISServerTokenAuth} from '../../dist/index.js';
import type {EmulatorThread} from '../emulator-thread.js';
import {interleave, median, roundRatio} from '../measure.js';

/**
The hooks' cost next to plain got: the same wire request (POST, form body with the token, Referer)
through ArcGISServerTokenAuth and through got with a fixed token, on one keep-alive agent. Beside
it, in the same run: the floor (plain got with an empty async beforeRequest and an afterResponse
that returns the response: what having hooks at all costs) and a control (plain got against
itself: the noise of this machine). Then forcePost on against off.

Many short rounds (40 requests a side) rather than a few long ones: the two sides stay seconds
apart, so the drift of a shared machine falls on both; the figure is the median of the rounds'
ratios.
*/
export async function overhead(emu: EmulatorThread, requests: number) {
	const rounds = Math.max(10, Math.round(requests / 40));
	const agent = {http: new Agent({keepAlive: true, maxSockets: 1})};
	const url = `${emu.serverUrl}/rest/services`;
	const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
	const hooked = got.extend({hooks: auth.hooks, agent});
	await hooked(`${url}?f=json`);
	const token = auth.token!;
	const plain = got.extend({agent});
	const empty = got.extend({agent, hooks: {beforeRequest: [async () => Promise.resolve()], afterResponse: [response => response]}});
	const ours = async () => hooked(`${url}?f=json`);
	const send = (client: typeof got) => async () => client.post(url, {form: {f: 'json', token}, headers: {referer: 'got-arcgis-auth'}});
	const baseline = send(plain);
	const first = await interleave(requests, rounds, ours, baseline);
	const floor = await interleave(requests, rounds, send(empty), baseline);
	const control = await interleave(requests, rounds, send(plain), baseline);

	const getAuth = new ArcGISServerTokenAuth('demo', 'demo1234', {forcePost: false});
	const getClient = got.extend({hooks: getAuth.hooks, agent});
	await getClient(`${url}?f=json`);
	const second = await interleave(requests, rounds, ours, async () => getClient(`${url}?f=json`));
	agent.http.destroy();
	return {
		rounds,
		overhead: roundRatio(first.rounds),
		floor: roundRatio(floor.rounds),
		control: roundRatio(control.rounds),
		forcePost: roundRatio(second.rounds),
		medians: {oursMs: median(first.a), plainGotMs: median(first.b), getMs: median(second.b)},
	};
}
