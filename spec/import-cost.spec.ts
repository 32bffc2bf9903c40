import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const RUN = fileURLToPath(new URL('fixtures/import-cost/run.mjs', import.meta.url));

/** The watched packages (got, tough-cookie, httpntlm) loaded by a fresh process that imports the library and takes `steps`. */
async function loadedAfter(...steps: string[]): Promise<string[]> {
	const dir = mkdtempSync(join(tmpdir(), 'got-arcgis-auth-loads-'));
	try {
		const stdout = await new Promise<string>((resolve, reject) => {
			execFile(process.execPath, ['--import', 'tsx', RUN, join(dir, 'resolved.log'), ...steps], (error, out, err) => {
				if (error) {
					reject(new Error(`the child failed: ${err || error.message}`));
					return;
				}

				resolve(out);
			});
		});
		return JSON.parse(stdout) as string[];
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
}

// httpntlm and tough-cookie added about 70 ms to every `import 'got-arcgis-auth'` (issue 13):
// each is loaded when first needed. got is the control: it is always loaded, so the watch works.
describe('the cost of importing got-arcgis-auth', function () {
	// Each case is a fresh Node process with the TypeScript loader.
	this.timeout(30_000);

	it('loads neither httpntlm nor tough-cookie at import', async () => {
		assert.deepEqual(await loadedAfter(), ['got']);
	});

	it('loads tough-cookie when createSession makes the default cookie jar', async () => {
		assert.deepEqual(await loadedAfter('session'), ['got', 'tough-cookie']);
	});

	it('does not load tough-cookie for a session given a jar of its own', async () => {
		assert.deepEqual(await loadedAfter('session-with-own-jar'), ['got']);
	});

	it('loads httpntlm when the first NTLM message is made', async () => {
		assert.deepEqual(await loadedAfter('ntlm-message'), ['got', 'httpntlm']);
	});
});
