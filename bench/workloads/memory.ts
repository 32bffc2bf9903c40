import type {EmulatorThread} from '../emulator-thread.js';
import {ourClient} from './steady.js';

function heapAfterGc(): number {
	const collect = (globalThis as {gc?: () => void}).gc;
	if (!collect) {
		throw new Error('run with node --expose-gc');
	}

	collect();
	collect();
	return process.memoryUsage().heapUsed;
}

/** Heap after N and after 10 N requests through one handler (after GC), and listener-leak warnings. */
export async function memory(emu: EmulatorThread, first: number, total: number) {
	const warnings: string[] = [];
	const onWarning = (warning: Error) => {
		if (warning.name === 'MaxListenersExceededWarning') {
			warnings.push(warning.message);
		}
	};

	process.on('warning', onWarning);
	const send = ourClient(emu);
	for (let index = 0; index < first; index++) {
		await send();
	}

	const afterFirst = heapAfterGc();
	for (let index = first; index < total; index++) {
		await send();
	}

	const afterTotal = heapAfterGc();
	process.off('warning', onWarning);
	return {
		after2k: afterFirst,
		after20k: afterTotal,
		growthRatio: Math.round((afterTotal / afterFirst) * 1000) / 1000,
		requests: {first, total},
		maxListenersWarnings: warnings.length,
	};
}
