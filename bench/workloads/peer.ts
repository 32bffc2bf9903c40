import {createRequire} from 'node:module';
import {ArcGISIdentityManager, request} from '@esri/arcgis-rest-request';
import type {EmulatorThread} from '../emulator-thread.js';
import {interleave, ratio} from '../measure.js';
import {ourClient, revocation, type Send} from './steady.js';

/**
Esri's @esri/arcgis-rest-request (pinned 4.10.2) on the same workloads. For a standalone server it
signs in through a dummy expired token plus the credentials, which makes it fetch a real one.
*/
function peerClient(emu: EmulatorThread): Send {
	const manager = new ArcGISIdentityManager({username: 'demo', password: 'demo1234', server: emu.serverUrl, token: 'expired', tokenExpires: new Date(0)});
	return async () => {
		try {
			return Boolean(((await request(`${emu.serverUrl}/rest/services`, {authentication: manager})) as {services?: unknown}).services);
		} catch {
			return false;
		}
	};
}

export async function peer(emu: EmulatorThread, requests: number) {
	const version = (createRequire(import.meta.url)('@esri/arcgis-rest-request/package.json') as {version: string}).version;
	const theirs = peerClient(emu);
	const ours = ourClient(emu);
	await theirs();
	await ours();
	const times = await interleave(requests, 10, theirs, ours);
	const revoked = await revocation(emu, requests, 3, peerClient(emu));
	return {
		name: '@esri/arcgis-rest-request',
		version,
		sequentialRatio: ratio(times.a, times.b),
		revocationFailed: revoked.failed,
		revocationTokenCalls: revoked.tokenCalls,
	};
}
