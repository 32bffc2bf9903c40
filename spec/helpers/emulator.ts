import {startEmulator, type Emulator, type EmulatorOptions} from '../../lib/emulator/index.js';

/**
Starts an emulator for the enclosing describe block — once, or around each spec with `each` — and
closes it afterwards (its keep-alive sockets would otherwise keep mocha running). Returns a stand-in
that forwards to the emulator running at the time, so specs write `emu.serverUrl` as usual.
*/
export function useEmulator(options: EmulatorOptions = {}, {each = false} = {}): Emulator {
	let running: Emulator | undefined;
	(each ? beforeEach : before)(async () => {
		running = await startEmulator(options);
	});
	(each ? afterEach : after)(async () => {
		await running?.close();
		running = undefined;
	});
	return new Proxy({} as Emulator, {
		get(_target, key) {
			if (!running) {
				throw new Error('useEmulator: the emulator is only there inside specs and hooks');
			}

			return Reflect.get(running, key) as unknown;
		},
	});
}
