import type {Got} from 'got';
import {ArcGISServerAuth, createSession} from '../../dist/index.js';
import {dnsLookup, iwa, readAccessLog, settleLog} from '../../spec/integration/iwa-env.js';
import {median, ratio, time} from '../measure.js';

async function timed(client: Got, url: string, requests: number): Promise<number[]> {
	const times: number[] = [];
	for (let index = 0; index < requests; index++) {
		times.push(await time(async () => client(url)));
	}

	return times;
}

/**
Against the real Apache (scripts/iwa): N sequential requests with NTLM and with Kerberos, counted in
its access log, and their per-request time next to the same requests to its anonymous location.
Undefined when the servers are not up.
*/
export async function webTier(requests: number) {
	if (!iwa) {
		return undefined;
	}

	const anon = createSession().extend({dnsLookup});
	const anonTimes = await timed(anon, `${iwa.base}/anon/arcgis/rest/services?f=json`, requests);

	await settleLog();
	let mark = readAccessLog().size;
	const ntlm = createSession({auth: new ArcGISServerAuth(`${iwa.domain}\\${iwa.user}`, iwa.password)}).extend({dnsLookup});
	const ntlmTimes = await timed(ntlm, `${iwa.base}/ntlm/arcgis/rest/services?f=json`, requests);
	await settleLog();
	const ntlmLog = readAccessLog(mark);
	const served = ntlmLog.lines.filter(line => line.status === 200);
	if (served.length !== requests) {
		throw new Error(`the access log shows ${served.length} of ${requests} NTLM requests`);
	}

	const connections = new Set(served.map(line => line.port));
	const handshakes = ntlmLog.lines.filter(line => line.status === 401 && connections.has(line.port)).length;

	mark = ntlmLog.size;
	let kerberos: {requests: number; extra401: number; perRequestRatio: number} | undefined;
	try {
		const krb = createSession({auth: new ArcGISServerAuth()}).extend({dnsLookup});
		const krbTimes = await timed(krb, `${iwa.base}/kerberos/arcgis/rest/services?f=json`, requests);
		await settleLog();
		const krbLog = readAccessLog(mark);
		if (krbLog.lines.filter(line => line.status === 200).length !== requests) {
			throw new Error('the access log does not show every Kerberos request');
		}

		kerberos = {requests, extra401: krbLog.lines.filter(line => line.status === 401).length, perRequestRatio: ratio(krbTimes, anonTimes)};
	} catch (error: unknown) {
		process.stderr.write(`bench: Kerberos not measured (${error instanceof Error ? error.message : String(error)})\n`);
		kerberos = undefined;
	}

	return {
		ntlm: {requests, handshakes, connections: connections.size, perRequestRatio: ratio(ntlmTimes, anonTimes)},
		kerberos,
		anonMedianMs: median(anonTimes),
	};
}
