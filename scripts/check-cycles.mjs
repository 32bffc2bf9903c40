#!/usr/bin/env node
// Fails when the library's own modules import each other in a cycle. Type-only imports count: a
// cycle through `import type` still ties two layers together (one cannot be read, moved or tested
// without the other), and it turns into a runtime cycle the day someone imports a value instead.
//
//   node scripts/check-cycles.mjs [dir]    (default: lib, relative to the current directory)
//
// dpdm reads the files with the TypeScript compiler and resolves `./x.js` to `./x.ts` through the
// tsconfig.json of the current directory. `transform: false` is what keeps type-only imports in the
// graph (dpdm's `transform` compiles them away first).
import {resolve} from 'node:path';
import {parseCircular, parseDependencyTree, prettyCircular, shortenTree} from 'dpdm';

const dir = process.argv[2] ?? 'lib';
const context = process.cwd();
const tree = shortenTree(context, await parseDependencyTree(`${dir}/**/*.ts`, {context, transform: false, skipDynamicImports: false}));

// An import that does not resolve is an edge missing from the graph, and so a cycle that could go
// unseen: a relative one is the project's own module, and must resolve.
const unresolved = Object.values(tree)
	.flatMap(dependencies => dependencies ?? [])
	.filter(dependency => dependency.id === null && dependency.request.startsWith('.'));
for (const dependency of unresolved) {
	console.error(`${dependency.issuer}: cannot resolve ${dependency.request}`);
}

const cycles = parseCircular(tree, false, []);
if (cycles.length > 0) {
	console.error(`import cycles under ${resolve(context, dir)} (type-only imports included):`);
	console.error(prettyCircular(cycles, '  '));
}

if (unresolved.length > 0 || cycles.length > 0) {
	process.exitCode = 1;
} else {
	console.log(`no import cycle among ${Object.keys(tree).filter(file => file.startsWith(dir)).length} modules under ${dir}/`);
}
