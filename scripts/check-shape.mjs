#!/usr/bin/env node
// Fails when a module under lib/ outgrows one responsibility: more than MAX_LINES lines, or more
// than MAX_OWN_IMPORTS of the project's own modules imported. Both are the symptoms issue 13 found
// in the base handler (hundreds of lines, a dozen jobs, two dozen imports): a file that needs that
// many neighbours is doing their work, and a reader cannot find "where is X decided?" in one guess.
//
//   node scripts/check-shape.mjs [dir]    (default: lib)
//
// Plain Node and no dependency on purpose: it must run before anything is built, and its rule is
// simple enough to read in full. It reads ESM syntax only (the library is ESM).
import {readdirSync, readFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';

const MAX_LINES = 300;
const MAX_OWN_IMPORTS = 14;

/**
The code alone: comments blanked out, and each quoted string replaced by `'#N'` (its text is
`strings[N]`), so that an import in a comment, a JSDoc example or a string is not counted, and no
quote or slash inside a string or regular expression is taken for code.
*/
function mask(text) {
	const strings = [];
	let out = '';
	let i = 0;
	// Whether a `/` here would start a regular expression rather than divide: after an operator,
	// an opening bracket, a keyword such as `return`, or at the start.
	let regexAllowed = true;
	while (i < text.length) {
		const char = text[i];
		const next = text[i + 1];
		if (char === '/' && next === '/') {
			while (i < text.length && text[i] !== '\n') {
				i++;
			}
		} else if (char === '/' && next === '*') {
			const end = text.indexOf('*/', i + 2);
			const stop = end === -1 ? text.length : end + 2;
			// Newlines are kept: line numbers and statement starts stay where they were.
			out += text.slice(i, stop).replace(/[^\n]/g, ' ');
			i = stop;
		} else if (char === "'" || char === '"' || char === '`') {
			let j = i + 1;
			while (j < text.length && text[j] !== char) {
				j += text[j] === '\\' ? 2 : 1;
			}

			// A template literal is never an import specifier here: it is dropped whole.
			if (char === '`') {
				out += '``';
			} else {
				out += `${char}#${strings.length}${char}`;
				strings.push(text.slice(i + 1, j));
			}

			i = j + 1;
			regexAllowed = false;
		} else if (char === '/' && regexAllowed) {
			let j = i + 1;
			let inClass = false;
			while (j < text.length && text[j] !== '\n' && (inClass || text[j] !== '/')) {
				if (text[j] === '\\') {
					j++;
				} else if (text[j] === '[') {
					inClass = true;
				} else if (text[j] === ']') {
					inClass = false;
				}

				j++;
			}

			out += text.slice(i, j + 1);
			i = j + 1;
			regexAllowed = false;
		} else {
			out += char;
			i++;
			if (/[\w$)\]}]/.test(char)) {
				// After an identifier or a closing bracket a `/` divides, except after a keyword.
				const word = /(?:^|[^\w$])(return|typeof|case|do|else|in|of|new|delete|void|throw|yield|await)$/.exec(out.slice(-12));
				regexAllowed = word !== null;
			} else if (!/\s/.test(char)) {
				regexAllowed = true;
			}
		}
	}

	return {code: out, strings};
}

// `import … from`, `import type … from`, `export … from`, `export type … from`: the clause between
// the keyword and `from` holds only names, braces, commas, `*` and `as`/`type`.
const FROM = /(?<![\w$.])(?:import|export)\s[\w\s{},*$]*?\bfrom\s*(['"])#(\d+)\1/g;
// `import './x.js'` (for its side effects) and `import('./x.js')`.
const BARE = /(?<![\w$.])import\s*\(?\s*(['"])#(\d+)\1/g;

/** The project's own modules a source file imports (relative specifiers, resolved, each once). */
function ownImports(file, text) {
	const {code, strings} = mask(text);
	const modules = new Set();
	for (const pattern of [FROM, BARE]) {
		for (const match of code.matchAll(pattern)) {
			const specifier = strings[Number(match[2])];
			if (specifier.startsWith('./') || specifier.startsWith('../')) {
				modules.add(resolve(dirname(file), specifier));
			}
		}
	}

	return modules;
}

function lineCount(text) {
	return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** What is wrong with the shape of each source file under `dir`, one line per file. */
function shapeProblems(dir) {
	const problems = [];
	const files = readdirSync(dir, {recursive: true})
		.map(String)
		.filter(name => name.endsWith('.ts') && !name.endsWith('.d.ts'))
		.sort();
	for (const name of files) {
		const file = join(dir, name);
		const text = readFileSync(file, 'utf8');
		const lines = lineCount(text);
		const imports = ownImports(file, text).size;
		const found = [];
		if (lines > MAX_LINES) {
			found.push(`${lines} lines (at most ${MAX_LINES})`);
		}

		if (imports > MAX_OWN_IMPORTS) {
			found.push(`imports ${imports} of the project's modules (at most ${MAX_OWN_IMPORTS})`);
		}

		if (found.length > 0) {
			problems.push(`${relative(process.cwd(), file)}: ${found.join(', ')}`);
		}
	}

	return {problems, files: files.length};
}

const dir = process.argv[2] ?? 'lib';
const {problems, files} = shapeProblems(dir);
if (problems.length > 0) {
	console.error(`modules under ${dir}/ that do too much (split them by responsibility):`);
	for (const problem of problems) {
		console.error(`  ${problem}`);
	}

	process.exitCode = 1;
} else {
	console.log(`shape: ${files} modules under ${dir}/, each at most ${MAX_LINES} lines and ${MAX_OWN_IMPORTS} of the project's modules imported`);
}
