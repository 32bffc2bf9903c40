import {Agent} from 'node:http';
import got from 'got';
import {ArcGISPortalOAuthAuth, ArcGISServerTokenAuth} from '../../dist/index.js';
import {personAtEmulator} from '../../dist/emulator/person-at-browser.js';
import type {EmulatorThread} from '../emulator-thread.js';
import {interleave, median, pairOf, rotate, roundRatio} from '../measure.js';

/**
The hooks' cost next to plain got: the same wire request (POST, form body with the token, Referer)
through ArcGISServerTokenAuth and through got with a fixed token, on one keep-alive agent. Beside
it, in the same rounds: the floor (plain got with an empty async beforeRequest and an afterResponse
that returns the response: what having hooks at all costs) and a control (plain got against
itself: the noise of this machine). Then forcePost on against off.

Many short rounds (40 requests a variant) in which all four variants take turns: the handler, the
floor and the control are each measured within seconds of the baseline they are divided by, so the
drift of a shared machine falls on all of them alike; each figure is the median of the rounds'
ratios. The OAuth handler (a user's sign-in) takes its turns in the same rounds, against plain got
sending its access token to the same portal URL.
*/
export async function overhead(emu: EmulatorThread, requests: number) {
	const perRound = 40;
	const agent = {http: new Agent({keepAlive: true, maxSockets: 1})};
	const url = `${emu.serverUrl}/rest/services`;
	const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
	const hooked = got.extend({hooks: auth.hooks, agent});
	await hooked(`${url}?f=json`);
	const token = auth.token!;
	const plain = got.extend({agent});
	const empty = got.extend({agent, hooks: {beforeRequest: [async () => Promise.resolve()], afterResponse: [response => response]}});
	const send = (client: typeof got) => async () => client.post(url, {form: {f: 'json', token}, headers: {referer: 'got-arcgis-auth'}});
	const oauth = await oauthVariants(emu, agent);
	const variants = {ours: async () => hooked(`${url}?f=json`), floor: send(empty), control: send(plain), plain: send(plain), ...oauth};
	// Untimed rounds first: the first thousands of requests of a process (the JIT, the emulator's
	// own warm-up) are slower on one side or the other and are no part of the steady cost.
	await rotate(requests / 6, perRound, variants);
	const rounds = await rotate(requests, perRound, variants);

	const getAuth = new ArcGISServerTokenAuth('demo', 'demo1234', {forcePost: false});
	const getClient = got.extend({hooks: getAuth.hooks, agent});
	await getClient(`${url}?f=json`);
	const second = await interleave(
		requests,
		Math.round(requests / perRound),
		async () => hooked(`${url}?f=json`),
		async () => getClient(`${url}?f=json`),
	);
	agent.http.destroy();
	const all = (name: 'ours' | 'plain') => rounds.flatMap(round => round[name]);
	return {
		rounds: rounds.length,
		overhead: roundRatio(pairOf(rounds, 'ours', 'plain')),
		floor: roundRatio(pairOf(rounds, 'floor', 'plain')),
		control: roundRatio(pairOf(rounds, 'control', 'plain')),
		oauth: roundRatio(pairOf(rounds, 'oauth', 'oauthPlain')),
		forcePost: roundRatio(second.rounds),
		medians: {oursMs: median(all('ours')), plainGotMs: median(all('plain')), getMs: median(second.b)},
	};
}

/** A user signed in with OAuth (the person at the browser played over HTTP), and plain got with that access token, on the same portal URL. */
async function oauthVariants(emu: EmulatorThread, agent: {http: Agent}) {
	const auth = await ArcGISPortalOAuthAuth.signIn('demo-app', {portal: emu.portalUrl, ...personAtEmulator()});
	const url = `${emu.portalUrl}/sharing/rest/community/self`;
	const hooked = got.extend({hooks: auth.hooks, agent});
	await hooked(`${url}?f=json`);
	const token = auth.token!;
	const plain = got.extend({agent});
	return {
		oauth: async () => hooked(`${url}?f=json`),
		oauthPlain: async () => plain.post(url, {form: {f: 'json', token}, headers: {referer: 'got-arcgis-auth'}}),
	};
}
