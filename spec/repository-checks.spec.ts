import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

// The checks that `npm run lint` and `npm run check:shape` run on lib/ (issue 13), run here on
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

/** `count` small modules m0.ts … under lib/parts/. */
function parts(count: number): Record<string, string> {
	return Object.fromEntries(Array.from({length: count}, (_, index) => [`parts/m${index}.ts`, `export const m${index} = ${index};\nexport type T${index} = number;\n`]));
}

describe('scripts/check-shape.mjs', () => {
	it('passes a module of exactly 300 lines that imports 14 of the project modules', async () => {
		const imports = Array.from({length: 14}, (_, index) => `import {m${index}} from './parts/m${index}.js';`);
		const body = Array.from({length: 300 - imports.length}, (_, index) => `export const line${index} = ${index};`);
		const root = project({...parts(14), 'big.ts': [...imports, ...body].join('\n') + '\n'});
		const result = await run('check-shape.mjs', root);
		assert.equal(result.code, 0, result.stderr);
		assert.match(result.stdout, /^shape: 15 modules under lib\//);
	});

	it('fails a module of 301 lines, naming it and its length', async () => {
		const root = project({'long.ts': Array.from({length: 301}, (_, index) => `export const line${index} = ${index};`).join('\n') + '\n'});
		const result = await run('check-shape.mjs', root);
		assert.equal(result.code, 1);
		assert.match(result.stderr, /lib\/long\.ts: 301 lines \(at most 300\)/);
	});

	it('counts import type, export … from, side-effect and dynamic imports, and a module imported twice once', async () => {
		const text = [
			"import {m0} from './parts/m0.js';",
			"import type {T0} from './parts/m0.js';", // the same module again: not counted twice
			"import type {T1} from './parts/m1.js';",
			"import {type T2, m2} from './parts/m2.js';",
			'import {',
			'\tm3,',
			'\ttype T3,',
			"} from './parts/m3.js';",
			"import * as m4 from './parts/m4.js';",
			"import './parts/m5.js';",
			"export {m6} from './parts/m6.js';",
			"export type {T7} from './parts/m7.js';",
			"export * from './parts/m8.js';",
			"export * as m9 from './parts/m9.js';",
			"import m10Module from './parts/m10.js';",
			"import {m11} from '../lib/parts/m11.js';",
			"export type {T12 as Twelve} from './parts/m12.js';",
			"export const load = async () => import('./parts/m13.js');",
			"import {m14} from './parts/m14.js';",
			'export const all = [m0, m2, m3, m4, m10Module, m11, m14];',
			'export type All = T0 | T1 | T2 | T3;',
			'',
		].join('\n');
		const root = project({...parts(15), 'wide.ts': text});
		const result = await run('check-shape.mjs', root);
		assert.equal(result.code, 1);
		assert.match(result.stderr, /lib\/wide\.ts: imports 15 of the project's modules \(at most 14\)/);

		const fourteen = text.replace("import {m14} from './parts/m14.js';", "import {m0 as m14} from './parts/m0.js';");
		const passing = await run('check-shape.mjs', project({...parts(15), 'wide.ts': fourteen}));
		assert.equal(passing.code, 0, passing.stderr);
	});

	it('does not count packages, nor imports inside comments or strings', async () => {
		const lines = [
			"import got from 'got';",
			"import {readFileSync} from 'node:fs';",
			...Array.from({length: 14}, (_, index) => `import {m${index}} from './parts/m${index}.js';`),
			"// import {m14} from './parts/m14.js';",
			'/**',
			'```ts',
			"import {m15} from './parts/m15.js';",
			'```',
			'*/',
			'export const text = "import {m16} from \'./parts/m16.js\'";',
			"export const template = `export * from './parts/m17.js'`;",
			'export const all = [got, readFileSync, m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13];',
			'',
		];
		const result = await run('check-shape.mjs', project({...parts(18), 'quiet.ts': lines.join('\n')}));
		assert.equal(result.code, 0, result.stderr);
	});

	it('is not thrown off by quotes, slashes and stars in regular expressions, strings and divisions', async () => {
		// Each tricky line, read naively, would open a string or a comment that swallows the next import.
		const tricky = [
			'export const quote = /[\'"]/;',
			"export const url = 'http://host/'; export const glob = 'lib/**';",
			'export const slashes = /\\/*/;',
			'export const half = (10 / 2) / 5;',
			'export const star = `/*`;',
		];
		const lines = Array.from({length: 15}, (_, index) => [tricky[index % tricky.length], `import {m${index}} from './parts/m${index}.js';`]).flat();
		const result = await run('check-shape.mjs', project({...parts(15), 'tricky.ts': lines.join('\n') + '\n'}));
		assert.equal(result.code, 1);
		assert.match(result.stderr, /lib\/tricky\.ts: imports 15 of the project's modules/);
	});

	it('looks into every folder under lib/', async () => {
		const result = await run('check-shape.mjs', project({'a/b/c/deep.ts': 'export const x = 1;\n'.repeat(301)}));
		assert.equal(result.code, 1);
		assert.match(result.stderr, /lib\/a\/b\/c\/deep\.ts: 301 lines/);
	});
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
