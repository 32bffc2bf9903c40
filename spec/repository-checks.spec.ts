import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

// The checks that `npm run lint` runs on lib/ (issue 13), run here on
// small trees of their own: each rule is shown to pass at its limit and to fail one step past it.
const SCRIPTS = fileURLToPath(new URL('../scripts/', import.meta.url));

type Run = {code: number; stdout: string; stderr: string};

async function run(script: string, cwd: string): Promise<Run> {
	return new Promise((resolve, reject) => {
		execFile(process.execPath, [join(SCRIPTS, script), 'lib'], {cwd}, (error, stdout, stderr) => {
			if (error && typeof error.code !== 'number') {
				reject(new Error(`could not run ${script}: ${error.message}`));
				return;
			}

			resolve({code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr});
		});
	});
}

/** A throwaway project: a NodeNext tsconfig (as ours: `./x.js` names `./x.ts`) and the given lib/ files. */
function project(files: Record<string, string>): string {
	const root = mkdtempSync(join(tmpdir(), 'got-arcgis-auth-checks-'));
	writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({compilerOptions: {module: 'NodeNext', moduleResolution: 'NodeNext', strict: true}}));
	for (const [name, text] of Object.entries(files)) {
		const file = join(root, 'lib', name);
		mkdirSync(dirname(file), {recursive: true});
		writeFileSync(file, text);
	}

	roots.push(root);
	return root;
}

const roots: string[] = [];
afterEach(() => {
	for (const root of roots.splice(0)) {
		rmSync(root, {recursive: true, force: true});
	}
});

describe('scripts/check-cycles.mjs', function () {
	// dpdm starts the TypeScript compiler in each run.
	this.timeout(30_000);

	it('passes modules that import each other in one direction only', async () => {
		const result = await run(
			'check-cycles.mjs',
			project({'a.ts': "import {b} from './b.js';\nexport const a = b;\n", 'b.ts': "import type {C} from './c.js';\nexport const b: C = 1;\n", 'c.ts': 'export type C = number;\n'}),
		);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /no import cycle among 3 modules under lib\//);
	});

	it('fails a cycle of value imports across three modules and names it', async () => {
		const root = project({
			'a.ts': "import {b} from './b.js';\nexport const a = () => b;\n",
			'b.ts': "import {c} from './c/c.js';\nexport const b = () => c;\n",
			'c/c.ts': "import {a} from '../a.js';\nexport const c = () => a;\n",
		});
		const result = await run('check-cycles.mjs', root);
		assert.equal(result.code, 1);
		// dpdm may start the cycle at any of its modules.
		assert.match(result.stderr, /lib\/a\.ts -> lib\/b\.ts -> lib\/c\/c\.ts|lib\/b\.ts -> lib\/c\/c\.ts -> lib\/a\.ts|lib\/c\/c\.ts -> lib\/a\.ts -> lib\/b\.ts/);
	});

	it('fails a cycle made only of `import type` (as lib/federation/exchange.ts ↔ the base handler)', async () => {
		const root = project({
			'base.ts': "import type {Exchange} from './exchange.js';\nexport type Hooks = {exchange?: Exchange};\nexport const base = 1;\n",
			'exchange.ts': "import type {Hooks} from './base.js';\nexport type Exchange = {hooks: Hooks};\n",
		});
		const result = await run('check-cycles.mjs', root);
		assert.equal(result.code, 1);
		assert.match(result.stderr, /type-only imports included/);
		assert.match(result.stderr, /lib\/(base|exchange)\.ts -> lib\/(exchange|base)\.ts/);
	});

	it('fails a cycle closed by `export type … from`', async () => {
		const root = project({
			'index.ts': "export type {Inner} from './inner.js';\nexport type Outer = number;\n",
			'inner.ts': "import type {Outer} from './index.js';\nexport type Inner = Outer;\n",
		});
		const result = await run('check-cycles.mjs', root);
		assert.equal(result.code, 1);
	});

	it('fails when a relative import does not resolve (an edge missing from the graph could hide a cycle)', async () => {
		const result = await run('check-cycles.mjs', project({'a.ts': "import {gone} from './gone.js';\nexport const a = gone;\n"}));
		assert.equal(result.code, 1);
		assert.match(result.stderr, /lib\/a\.ts: cannot resolve \.\/gone\.js/);
	});
});
