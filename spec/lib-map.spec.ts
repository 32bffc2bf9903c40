import assert from 'node:assert/strict';
import {readFileSync, readdirSync} from 'node:fs';
import {join, relative} from 'node:path';
import {fileURLToPath} from 'node:url';

const LIB = fileURLToPath(new URL('../lib', import.meta.url));

function sources(dir: string): string[] {
	return readdirSync(dir, {withFileTypes: true}).flatMap(entry => (entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

describe('lib/README.md (the map of the code)', () => {
	const map = readFileSync(join(LIB, 'README.md'), 'utf8');
	const named = new Set([...map.matchAll(/`([\w./-]+\.ts)`/g)].map(match => match[1]!));

	it('names every source file under lib/', () => {
		const missing = sources(LIB)
			.map(file => relative(LIB, file))
			.filter(path => !named.has(path) && !named.has(path.split('/').at(-1)!) && !named.has(path.split('/').slice(-2).join('/')));
		assert.deepEqual(missing, [], 'files the map does not name');
	});

	it('names no file that is gone', () => {
		const present = new Set(
			sources(LIB).flatMap(file => {
				const path = relative(LIB, file);
				return [path, path.split('/').at(-1)!, path.split('/').slice(-2).join('/')];
			}),
		);
		assert.deepEqual(
			[...named].filter(name => !present.has(name)),
			[],
		);
	});
});
