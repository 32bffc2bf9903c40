import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {dirname, join} from 'node:path';
import {promisify} from 'node:util';
import got from 'got';
import {createClient, createCluster} from 'redis';
import {ArcGISServerTokenAuth} from '../lib/index.js';
import {RedisTokenStore} from '../lib/redis/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';
import {OwnRedis, redisServer, requireRedis, uniquePrefix} from './helpers/redis.js';

const run = promisify(execFile);
const KEY = 'cluster-spec-key-0123456789abcdef-01';

// Debian's redis-server runs as a cluster node with --cluster-enabled, and its redis-cli makes
// three of them a cluster: the store's keys of one token share a hash tag, so each token's lock,
// record and refusal live on one node, and Lua scripts touching one key are allowed.
describe('RedisTokenStore on a Redis Cluster (three local nodes)', function () {
	this.timeout(60_000);
	withoutNock();
	const emu = useEmulator();
	const nodes: OwnRedis[] = [];

	before(async function () {
		requireRedis(this);
		for (let index = 0; index < 3; index++) {
			nodes.push(await OwnRedis.start(['--cluster-enabled', 'yes', '--cluster-node-timeout', '2000']));
		}

		const cli = join(dirname(redisServer!), 'redis-cli');
		await run(cli, ['--cluster', 'create', ...nodes.map(node => `127.0.0.1:${node.port}`), '--cluster-replicas', '0', '--cluster-yes']);
		for (let attempt = 0; attempt < 100; attempt++) {
			const {stdout} = await run(cli, ['-p', String(nodes[0]!.port), 'cluster', 'info']);
			if (stdout.includes('cluster_state:ok')) {
				return;
			}

			await new Promise(resolve => setTimeout(resolve, 100));
		}

		throw new Error('the cluster did not come up');
	});
	after(async () => {
		await Promise.all(nodes.map(async node => node.remove()));
	});

	it('makes 6 handlers on two cluster clients log in once, with every value sealed on whichever node holds it', async () => {
		const prefix = uniquePrefix('cluster');
		const clients = [0, 1].map(() => createCluster({rootNodes: [{url: `redis://127.0.0.1:${nodes[0]!.port}`}]}));
		await Promise.all(clients.map(async client => client.connect()));
		const stores = clients.map(client => new RedisTokenStore({client, prefix, encryptionKey: KEY}));
		try {
			const handlers = Array.from({length: 6}, (_, index) => new ArcGISServerTokenAuth('demo', 'demo1234', {store: stores[index % 2]!}));
			await Promise.all(handlers.map(async auth => got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}).json()));
			assert.equal(emu.stats.counts['server.generateToken'], 1);
			assert.equal(new Set(handlers.map(auth => auth.token)).size, 1);

			const found: string[] = [];
			for (const node of nodes) {
				const client = createClient({url: `redis://127.0.0.1:${node.port}`});
				await client.connect();
				for await (const keys of client.scanIterator({MATCH: `${prefix}*`})) {
					for (const key of keys) {
						const value = (await client.get(key)) ?? '';
						assert.ok(!value.includes(handlers[0]!.token!) && !value.includes('demo1234'), `${key} in the clear`);
						found.push(key);
					}
				}

				await client.close();
			}

			assert.equal(found.filter(key => key.startsWith(`${prefix}token:`)).length, 1);
		} finally {
			await Promise.all(stores.map(async store => store.close()));
			await Promise.all(clients.map(async client => client.close()));
		}
	});

	it('wakes a waiter through the cluster', async () => {
		const prefix = uniquePrefix('cluster-wake');
		const clients = [0, 1].map(() => createCluster({rootNodes: [{url: `redis://127.0.0.1:${nodes[1]!.port}`}]}));
		await Promise.all(clients.map(async client => client.connect()));
		const [waiter, notifier] = clients.map(client => new RedisTokenStore({client, prefix, encryptionKey: KEY}));
		try {
			await waiter!.waitFor('ready:{a}', 300, new AbortController().signal);
			const started = Date.now();
			const waiting = waiter!.waitFor('ready:{a}', 5000, new AbortController().signal);
			setTimeout(() => void notifier!.notify('ready:{a}'), 100);
			await waiting;
			assert.ok(Date.now() - started < 2000, `woken after ${Date.now() - started} ms`);
		} finally {
			await waiter!.close();
			await notifier!.close();
			await Promise.all(clients.map(async client => client.close()));
		}
	});
});
