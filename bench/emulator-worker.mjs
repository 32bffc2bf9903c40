// The emulator on a thread of its own (the other core), so the client's timings are not mixed
// with the server's work. Commands arrive as messages; answers go back with the same id.
import {parentPort, workerData} from 'node:worker_threads';
import {startEmulator} from '../dist/emulator/index.js';

const emulator = await startEmulator(workerData ?? {});

/** What each command does; its return value (if any) is the answer. */
const commands = {
	stats() {
		const {counts, tokenCalls, failedLogins, requests} = emulator.stats;
		return {counts: {...counts}, tokenCalls, failedLogins, requests};
	},
	revoke: () => emulator.revokeAllTokens(),
	revokeServer: serverUrl => emulator.revokeServerTokens(serverUrl),
	reset: () => emulator.resetStats(),
	setOptions: options => emulator.setOptions(options),
	close: async () => emulator.close(),
};

parentPort.postMessage({ready: true, url: emulator.url, serverUrl: emulator.serverUrl, portalUrl: emulator.portalUrl});
parentPort.on('message', async ({id, command, options}) => {
	const result = await commands[command](options);
	parentPort.postMessage(result === undefined ? {id} : {id, result});
});
