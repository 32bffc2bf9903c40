import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

type GotModule = typeof import('got');

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
A second copy of got in this process, as a consumer has it when its got and the library's are two
installs (npm did not dedupe, pnpm, a bundler): got's own files copied to a temporary directory, so
Node loads them as other modules with another `RequestError` class. got's dependencies are linked,
not copied: they resolve to their real paths and are shared, which does not matter here.
Cheap (got is some 50 files), unlike installing one with npm.
*/
export function useSecondGot(): {readonly module: GotModule} {
	let dir: string | undefined;
	let loaded: GotModule | undefined;
	before(async () => {
		dir = mkdtempSync(join(tmpdir(), 'got-arcgis-auth-second-got-'));
		const modules = join(dir, 'node_modules');
		cpSync(join(root, 'node_modules', 'got'), join(modules, 'got'), {recursive: true});
		const manifest = JSON.parse(readFileSync(join(root, 'node_modules', 'got', 'package.json'), 'utf8')) as {dependencies: Record<string, string>};
		for (const name of Object.keys(manifest.dependencies)) {
			if (existsSync(join(modules, 'got', 'node_modules', name))) {
				continue; // Nested under got itself: copied with it.
			}

			const target = join(root, 'node_modules', name);
			if (!existsSync(target)) {
				throw new Error(`useSecondGot: got's dependency ${name} is not at ${target}`);
			}

			mkdirSync(dirname(join(modules, name)), {recursive: true});
			symlinkSync(target, join(modules, name), 'dir');
		}

		loaded = (await import(pathToFileURL(join(modules, 'got', 'dist', 'source', 'index.js')).href)) as GotModule;
	});
	after(() => {
		if (dir) {
			rmSync(dir, {recursive: true, force: true});
		}
	});
	return {
		get module() {
			if (!loaded) {
				throw new Error('useSecondGot: the second got is only there inside specs and hooks');
			}

			return loaded;
		},
	};
}
