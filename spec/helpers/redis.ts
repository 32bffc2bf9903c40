import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createConnection, createServer} from 'node:net';

/** The Redis that scripts/redis/up.sh started (its env file), or undefined. */
export const redisUrl = process.env.GOT_ARCGIS_REDIS_URL;
/** The redis-server binary, for specs that stop and restart a Redis of their own. */
export const redisServer = process.env.GOT_ARCGIS_REDIS_SERVER;

export const HOW_TO_ENABLE_REDIS = 'Redis specs skipped: run scripts/redis/up.sh (REDIS_PORT=… for another port), then `. .redis/env` (or $REDIS_DIR/env) before npm test.';

/**
In a before hook: skips the suite without a Redis outside CI; in CI (`CI` set) a missing Redis
fails the suite, since .ci/run brings one up and a silently skipped suite would hide it.
*/
export function requireRedis(context: Mocha.Context): void {
	if (redisUrl && redisServer) {
		return;
	}

	if (process.env.CI) {
		throw new Error('CI: GOT_ARCGIS_REDIS_URL / GOT_ARCGIS_REDIS_SERVER are not set: .ci/run must start Redis (scripts/redis/up.sh) and source its env file.');
	}

	console.log(`    ${HOW_TO_ENABLE_REDIS}`);
	context.skip();
}

/** A prefix of keys of its own for one spec, so that specs sharing one Redis never see each other's keys. */
export function uniquePrefix(name: string): string {
	return `spec-${name}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}:`;
}

async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const {port} = server.address() as {port: number};
			server.close(() => {
				resolve(port);
			});
		});
	});
}

async function answersPing(port: number): Promise<boolean> {
	return new Promise(resolve => {
		const socket = createConnection({host: '127.0.0.1', port});
		socket.once('error', () => {
			resolve(false);
		});
		socket.once('connect', () => {
			socket.write('PING\r\n');
		});
		socket.once('data', data => {
			socket.destroy();
			resolve(data.toString().startsWith('+PONG'));
		});
	});
}

/** A redis-server of a spec's (or the soak's) own on 127.0.0.1 (nothing saved), to stop and start again on the same port; stopped by its PID. */
export class OwnRedis {
	readonly port: number;
	/** Its working directory (a cluster node keeps its nodes.conf there), removed by remove(). */
	readonly dir: string;
	readonly #args: readonly string[];
	readonly #server: string;
	#child: ChildProcess | undefined;

	private constructor(port: number, args: readonly string[], server: string) {
		this.port = port;
		this.#args = args;
		this.#server = server;
		this.dir = mkdtempSync(join(tmpdir(), 'got-arcgis-auth-redis-spec-'));
	}

	/** `args`: more redis-server arguments (e.g. `--cluster-enabled yes`); `server`: the binary, by default GOT_ARCGIS_REDIS_SERVER's. */
	static async start(args: readonly string[] = [], server = redisServer!): Promise<OwnRedis> {
		const redis = new OwnRedis(await freePort(), args, server);
		await redis.start();
		return redis;
	}

	get url(): string {
		return `redis://127.0.0.1:${this.port}`;
	}

	async start(): Promise<void> {
		const child = spawn(this.#server, ['--bind', '127.0.0.1', '--port', String(this.port), '--save', '', '--appendonly', 'no', '--dir', this.dir, ...this.#args], {stdio: 'ignore'});
		this.#child = child;
		for (let attempt = 0; attempt < 100; attempt++) {
			if (await answersPing(this.port)) {
				return;
			}

			await new Promise(resolve => setTimeout(resolve, 50));
		}

		throw new Error(`redis-server did not answer on 127.0.0.1:${this.port}`);
	}

	async stop(): Promise<void> {
		const child = this.#child;
		this.#child = undefined;
		if (!child || child.exitCode !== null) {
			return;
		}

		const exited = new Promise(resolve => child.once('exit', resolve));
		child.kill('SIGKILL');
		await exited;
	}

	/** Stops it and removes its directory. */
	async remove(): Promise<void> {
		await this.stop();
		rmSync(this.dir, {recursive: true, force: true});
	}
}
