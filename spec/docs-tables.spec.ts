import assert from 'node:assert/strict';
import {existsSync, readFileSync, readdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The members of a string-literal union type, read from its source. */
function unionMembers(source: string, name: string): string[] {
	const body = new RegExp(`export type ${name} =([\\s\\S]*?);`).exec(source)?.[1];
	assert.ok(body, `no type ${name}`);
	return [...body.replaceAll(/\/\*\*[\s\S]*?\*\//g, '').matchAll(/'([A-Z_]+)'/g)].map(match => match[1]!);
}

/** The property names of an object type, read from its source (comments stripped). */
function typeKeys(source: string, start: string): string[] {
	const from = source.indexOf(start);
	assert.ok(from >= 0, `no ${start}`);
	const body = source.slice(from + start.length, source.indexOf('\n};', from)).replaceAll(/\/\*\*[\s\S]*?\*\//g, '');
	return [...body.matchAll(/^\t(\w+)\?:/gm)].map(match => match[1]!);
}

/** The first column of every row of the Markdown table that starts with this header, as the names it holds in backticks. */
function tableNames(markdown: string, header: string): string[] {
	const at = markdown.indexOf(header);
	assert.ok(at >= 0, `no table ${header}`);
	const rows = markdown.slice(at).split('\n').slice(2);
	const names: string[] = [];
	for (const row of rows) {
		if (!row.startsWith('|')) {
			break;
		}

		names.push(...[...(row.split('|')[1] ?? '').matchAll(/`(\w+)`/g)].map(match => match[1]!));
	}

	return names;
}

describe('the docs against the code', () => {
	const codes = unionMembers(read('lib/errors.ts'), 'TokenAuthenticationErrorCode');
	const authOptions = [...typeKeys(read('lib/options.ts'), 'export type AuthOptions = TlsOptions & {'), ...typeKeys(read('lib/tls/client-certificate.ts'), 'export type TlsOptions = {')];
	const webTierOptions = typeKeys(read('lib/options.ts'), 'export type WebTierOptions = {');

	it('reads the codes and options it checks (so the checks cannot go empty)', () => {
		assert.ok(codes.includes('NO_TOKEN_SECURITY') && codes.includes('CLIENT_CERTIFICATE') && codes.length >= 15, codes.join());
		assert.ok(authOptions.includes('callTimeout') && authOptions.includes('certificateAuthority') && authOptions.length >= 15, authOptions.join());
		assert.deepEqual(webTierOptions, ['spn', 'mutualAuth', 'workstation']);
	});

	for (const file of ['README.md', 'docs/1-token-handlers.md']) {
		it(`${file}: the error table has every TokenAuthenticationErrorCode, and no other`, () => {
			assert.deepEqual(tableNames(read(file), '| `code` | when |').sort(), [...codes].sort());
		});
	}

	it('README.md: the options table has every option of the handlers', () => {
		assert.deepEqual(tableNames(read('README.md'), '| option | default | meaning |').sort(), [...authOptions, ...webTierOptions].sort());
	});

	it('docs/1-token-handlers.md: the options table has every option of the token handlers', () => {
		assert.deepEqual(tableNames(read('docs/1-token-handlers.md'), '| option | default | meaning |').sort(), [...authOptions].sort());
	});

	it('every relative link of README.md, docs/, examples/ and lib/README.md names a file that exists', () => {
		const files = ['README.md', 'CHANGELOG.md', 'examples/README.md', 'lib/README.md', ...readdirSync(join(ROOT, 'docs')).map(name => `docs/${name}`)].filter(name => name.endsWith('.md'));
		const broken: string[] = [];
		for (const file of files) {
			for (const match of read(file).matchAll(/\]\(([^)\s]+)\)/g)) {
				const target = match[1]!.split('#')[0]!;
				if (target === '' || /^[a-z]+:/i.test(target)) {
					continue;
				}

				if (!existsSync(join(ROOT, dirname(file), target))) {
					broken.push(`${file}: ${match[1]}`);
				}
			}
		}

		assert.deepEqual(broken, []);
	});

	it("the package ships the docs its README links to, names its repository, builds on pack (not on a consumer's install), and TypeDoc shows the README under the package's name", () => {
		const pkg = JSON.parse(read('package.json')) as {files: string[]; scripts: Record<string, string>; version: string};
		assert.ok(
			['docs/*.md', 'CONTRIBUTING.md', 'examples/*.ts', 'examples/README.md'].every(entry => pkg.files.includes(entry)),
			pkg.files.join(),
		);
		assert.equal(pkg.scripts.prepare, undefined, 'prepare runs at install: npm 11 warns consumers of it');
		assert.match(pkg.scripts.prepack ?? '', /npm run build/);
		const typedoc = JSON.parse(read('typedoc.json')) as {readme: string};
		assert.equal(typedoc.readme, 'README.md');
		assert.match(read('lib/index.ts'), /@module got-arcgis-auth\n/);
		assert.match(read('lib/emulator/index.ts'), /@module got-arcgis-auth\/emulator\n/);
		// The npm page links to these: one repository, its issues and its README, all on https.
		const {repository, homepage, bugs} = JSON.parse(read('package.json')) as {repository?: {type: string; url: string}; homepage?: string; bugs?: {url: string}};
		assert.equal(repository?.type, 'git');
		const home = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+)\.git$/.exec(repository.url)?.[1];
		assert.ok(home, `repository.url ${repository.url} is not a git+https GitHub URL`);
		assert.equal(homepage, `${home}#readme`);
		assert.equal(bugs?.url, `${home}/issues`);
		assert.ok(read('SECURITY.md').includes(`${home}/security/advisories/new`), 'SECURITY.md links to the advisory form');
		const sections = [...read('CHANGELOG.md').matchAll(/^## (.+)$/gm)].map(match => match[1]!);
		assert.ok(sections.includes(pkg.version), `CHANGELOG has no section ${pkg.version}: ${sections.join(', ')}`);
		assert.ok(
			sections.every((section, index) => /^\d+\.\d+\.\d+$/.test(section) || (section === 'Unreleased' && index === 0)),
			sections.join(', '),
		);
	});
});
