// One process of a benchmark or soak fleet (bench/fleet-processes.ts spawns it). It makes runs, one
// after the other, each with a new handler (with a RedisTokenStore of its own when `store` is
// given) making requests to the emulator: a run's config arrives as one JSON line on its standard
// input; it answers `ready` once set up (after its warm-up request, if asked), starts on `go`, so
// that all processes of a fleet start at once, and prints its result as one JSON line. It exits
// when its standard input closes: a parent that died leaves no child behind.
import {Agent} from 'node:http';
import {createInterface} from 'node:readline';
import got, {type Got} from 'got';
import {ArcGISServerTokenAuth, TokenAuthenticationError} from '../dist/index.js';
import {RedisTokenStore} from '../dist/redis/index.js';

export type FleetChildConfig = {
	servicesUrl: string;
	/** Without it, the handler has no store (the fleet as N independent processes). */
	store?: {url: string; prefix: string; encryptionKey: string};
	/** Requests to make (0: no limit but `seconds`). */
	requests: number;
	/** Stop after this many seconds of requests. */
	seconds?: number;
	/** Requests in flight. */
	concurrency: number;
	/** Pause after each request of one in-flight lane. */
	gapMs?: number;
	/** One request before `ready`, not counted. */
	warm?: boolean;
};

export type FleetChildResult = {ok: number; failed: number; failures: Record<string, number>; heapMb: number};

const queue: string[] = [];
let closed = false;
let wake: (() => void) | undefined;
const input = createInterface({input: process.stdin});
input.on('line', line => {
	queue.push(line);
	wake?.();
});
input.once('close', () => {
	closed = true;
	wake?.();
});

/** The next line from the parent; undefined once it closed our input. */
async function nextLine(): Promise<string | undefined> {
	while (queue.length === 0 && !closed) {
		await new Promise<void>(resolve => {
			wake = resolve;
		});
	}

	return queue.shift();
}

/** What a failed request is counted as: the error code of an ArcGIS body, the library's code, got's. */
function failureCode(error: unknown): string {
	if (error instanceof TokenAuthenticationError) {
		return error.code;
	}

	const {code, response} = error as {code?: string; response?: {statusCode?: number}};
	return code === 'ERR_NON_2XX_3XX_RESPONSE' && response?.statusCode ? `HTTP ${response.statusCode}` : (code ?? String(error));
}

async function send(client: Got, url: string): Promise<string | undefined> {
	try {
		const body = await client(url).json<{services?: unknown; error?: {code?: number}}>();
		return body.services ? undefined : `error ${body.error?.code ?? '?'}`;
	} catch (error: unknown) {
		return failureCode(error);
	}
}

/** One run, from `ready` to its result. Undefined when the parent closed our input instead of saying `go`. */
async function run(config: FleetChildConfig): Promise<FleetChildResult | undefined> {
	const store = config.store ? new RedisTokenStore(config.store) : undefined;
	const agent = new Agent({keepAlive: true, maxSockets: config.concurrency});
	try {
		const auth = new ArcGISServerTokenAuth('demo', 'demo1234', {store});
		const client = got.extend({hooks: auth.hooks, agent: {http: agent}, retry: {limit: 0}, timeout: {request: 20_000}});
		if (config.warm) {
			await send(client, config.servicesUrl);
		}

		process.stdout.write('ready\n');
		if ((await nextLine()) !== 'go') {
			return undefined;
		}

		const result: FleetChildResult = {ok: 0, failed: 0, failures: {}, heapMb: 0};
		const until = config.seconds === undefined ? Infinity : Date.now() + config.seconds * 1000;
		let next = 0;
		const lane = async () => {
			while ((config.requests === 0 || next < config.requests) && Date.now() < until) {
				next++;
				const failure = await send(client, config.servicesUrl);
				if (failure === undefined) {
					result.ok++;
				} else {
					result.failed++;
					result.failures[failure] = (result.failures[failure] ?? 0) + 1;
				}

				if (config.gapMs) {
					await new Promise(resolve => setTimeout(resolve, config.gapMs));
				}
			}
		};

		await Promise.all(Array.from({length: config.concurrency}, lane));
		result.heapMb = Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
		return result;
	} finally {
		agent.destroy();
		await store?.close();
	}
}

for (let line = await nextLine(); line !== undefined; line = await nextLine()) {
	const result = await run(JSON.parse(line) as FleetChildConfig);
	if (!result) {
		break;
	}

	process.stdout.write(`${JSON.stringify(result)}\n`);
}

process.exit(0);
