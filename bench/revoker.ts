import type {EmulatorThread} from './emulator-thread.js';

/**
Revokes every token at random moments, at least 250 ms apart (the soak's constant revocations): a
request caught by two revocations within its own refresh would fail by design (one refresh per
request), and that is not what is measured.
*/
export function revokeAtRandom(emu: EmulatorThread): {stop: () => void; readonly count: number} {
	let count = 0;
	let last = Date.now();
	const timer = setInterval(() => {
		if (Math.random() < 0.3 && Date.now() - last >= 250) {
			last = Date.now();
			count++;
			void emu.revoke();
		}
	}, 100);
	return {
		stop: () => {
			clearInterval(timer);
		},
		get count() {
			return count;
		},
	};
}
