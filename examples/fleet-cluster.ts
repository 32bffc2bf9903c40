// A fleet in one machine: node's cluster module forks workers, and a RedisTokenStore makes them log
// in once between them (and once with every other process and machine that shares the Redis).
//   ARCGIS_REDIS_URL=redis://127.0.0.1:6379 ARCGIS_STORE_KEY=$(openssl rand -base64 32) npx tsx examples/fleet-cluster.ts
import cluster from 'node:cluster';
import {ArcGISServerTokenAuth, createSession} from 'got-arcgis-auth';
import {RedisTokenStore} from 'got-arcgis-auth/redis';
import {settings} from './env.js';

const WORKERS = 4;

if (cluster.isPrimary) {
	let served = 0;
	for (let index = 0; index < WORKERS; index++) {
		cluster.fork().on('message', (message: {served: number}) => {
			served += message.served;
		});
	}

	let exited = 0;
	cluster.on('exit', () => {
		if (++exited === WORKERS) {
			console.log(`${WORKERS} workers, ${served} requests served`);
		}
	});
} else {
	const {serverUrl, username, password} = settings();
	const store = new RedisTokenStore({
		url: process.env.ARCGIS_REDIS_URL ?? 'redis://127.0.0.1:6379',
		encryptionKey: process.env.ARCGIS_STORE_KEY,
		...(process.env.ARCGIS_REDIS_PREFIX ? {prefix: process.env.ARCGIS_REDIS_PREFIX} : {}),
	});
	const s = createSession({auth: new ArcGISServerTokenAuth(username, password, {store})});
	let served = 0;
	for (let index = 0; index < 3; index++) {
		await s.get(`${serverUrl}/rest/services?f=json`).json();
		served++;
	}

	await store.close();
	process.send!({served});
	process.disconnect();
}
