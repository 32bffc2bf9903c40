import {Worker} from 'node:worker_threads';
import type {EmulatorOptions} from '../dist/emulator/index.js';

export type Counts = {counts: Record<string, number>; tokenCalls: number; failedLogins: number; requests: number};

/** The emulator running on a worker thread, driven from the benchmark's thread. */
export class EmulatorThread {
	url = '';
	serverUrl = '';
	portalUrl = '';
	readonly #worker: Worker;
	#next = 0;
	readonly #pending = new Map<number, (result: unknown) => void>();

	private constructor(worker: Worker) {
		this.#worker = worker;
		worker.on('message', (message: {id?: number; result?: unknown}) => {
			if (message.id !== undefined) {
				this.#pending.get(message.id)?.(message.result);
				this.#pending.delete(message.id);
			}
		});
	}

	static async start(options: EmulatorOptions = {}): Promise<EmulatorThread> {
		const worker = new Worker(new URL('emulator-worker.mjs', import.meta.url), {workerData: options});
		const thread = new EmulatorThread(worker);
		const ready = await new Promise<{url: string; serverUrl: string; portalUrl: string}>((resolve, reject) => {
			worker.once('message', resolve);
			worker.once('error', reject);
		});
		Object.assign(thread, {url: ready.url, serverUrl: ready.serverUrl, portalUrl: ready.portalUrl});
		return thread;
	}

	async #send<T>(command: string, options?: unknown): Promise<T> {
		const id = this.#next++;
		const answer = new Promise<T>(resolve => {
			this.#pending.set(id, resolve as (result: unknown) => void);
		});
		this.#worker.postMessage({id, command, options});
		return answer;
	}

	async stats(): Promise<Counts> {
		return this.#send<Counts>('stats');
	}

	async revoke(): Promise<void> {
		await this.#send('revoke');
	}

	async revokeServer(serverUrl: string): Promise<void> {
		await this.#send('revokeServer', serverUrl);
	}

	async reset(): Promise<void> {
		await this.#send('reset');
	}

	async setOptions(options: Omit<EmulatorOptions, 'port' | 'host'>): Promise<void> {
		await this.#send('setOptions', options);
	}

	async close(): Promise<void> {
		await this.#send('close');
		await this.#worker.terminate();
	}
}
