import {startEmulator, type Emulator, type EmulatorOptions} from '../../lib/emulator/index.js';

/**
Starts an emulator for the enclosing describe block — once, or around each spec — hands it to
`use`, and closes it afterwards (its keep-alive sockets would otherwise keep mocha running).
*/
export function useEmulator(use: (emulator: Emulator) => void, options: EmulatorOptions = {}, {each = false} = {}): void {
	let emulator: Emulator | undefined;
	(each ? beforeEach : before)(async () => {
		emulator = await startEmulator(options);
		use(emulator);
	});
	(each ? afterEach : after)(async () => {
		await emulator?.close();
	});
}
