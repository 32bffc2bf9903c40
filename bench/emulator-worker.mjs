// The emulator on a thread of its own (the other core), so the client's timings are not mixed
// with the server's work. Commands arrive as messages; answers go back with the same id.
import {parentPort, workerData} from 'node:worker_threads';
import {startEmulator} from '../dist/emulator/index.js';

const emulator = await startEmulator(workerData ?? {});
parentPort.postMessage({ready: true, url: emulator.url, serverUrl: emulator.serverUrl, portalUrl: emulator.portalUrl});
parentPort.on('message', async ({id, command, options}) => {
	switch (command) {
		case 'stats': {
			const {counts, tokenCalls, failedLogins, requests} = emulator.stats;
			parentPort.postMessage({id, result: {counts: {...counts}, tokenCalls, failedLogins, requests}});
			break;
		}

		case 'revoke': {
			emulator.revokeAllTokens();
			parentPort.postMessage({id});
			break;
		}

		case 'revokeServer': {
			emulator.revokeServerTokens(options);
			parentPort.postMessage({id});
			break;
		}

		case 'reset': {
			emulator.resetStats();
			parentPort.postMessage({id});
			break;
		}

		case 'setOptions': {
			emulator.setOptions(options);
			parentPort.postMessage({id});
			break;
		}

		case 'close': {
			await emulator.close();
			parentPort.postMessage({id});
			break;
		}
	}
});
