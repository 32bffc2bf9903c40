#!/usr/bin/env bash
# Packs the library as npm would publish it and installs the tarball into throwaway consumer
# projects: the file list, an ESM import, a CommonJS require (Node's require(esm)), a TypeScript
# consumer type-checked against the shipped types, the installed CLI, and a consumer whose got is
# older than ours (one copy, then two).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
npm run build --silent
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
echo "package: $tarball"

# Only what users need: the build, its types, and the documents.
unexpected=$(tar -tzf "$work/$tarball" | sed 's|^package/||' | grep -vE '^(dist/.*\.(js|d\.ts)|docs/[^/]+\.md|examples/[^/]+\.(ts|md)|package\.json|README\.md|LICENSE|CHANGELOG\.md|SECURITY\.md|CONTRIBUTING\.md)$' || true)
if [ -n "$unexpected" ]; then
	echo "unexpected files in the package:" >&2
	echo "$unexpected" >&2
	exit 1
fi
echo "contents: $(tar -tzf "$work/$tarball" | wc -l) files, all dist/*.js, dist/*.d.ts and documents"

# The README's and the docs' relative links work in the installed package (node_modules, an
# editor, the npm page's file view): every one names a file the tarball holds.
broken=$(cd "$work" && mkdir -p links && tar -xzf "$tarball" -C links && cd links/package && for doc in README.md docs/*.md; do
	grep -oE '\]\([^)#[:space:]]+' "$doc" | sed 's/^](//' | grep -vE '^[a-z]+:' | while read -r target; do
		[ -e "$(dirname "$doc")/$target" ] || echo "$doc: $target"
	done
done)
if [ -n "$broken" ]; then
	echo "links to files the package does not hold:" >&2
	echo "$broken" >&2
	exit 1
fi
echo "links: every relative link of README.md and docs/ resolves inside the package"

# The shipped types are the public API and nothing more (issue 13): what lib/ marks @internal is
# stripped (tsconfig.build.json's stripInternal). The names are read from lib/ itself, so a new
# @internal item is covered; a few long-lived ones must be among them, so the check cannot go
# empty (the handlers' own, such as replaceGivenToken, come and go with their redesign).
mkdir -p "$work/unpacked"
tar -xzf "$work/$tarball" -C "$work/unpacked"
node --input-type=module - "$root/lib" "$work/unpacked/package/dist" <<'JS'
import {existsSync, readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
const [lib, dist] = process.argv.slice(2);
const sources = readdirSync(lib, {recursive: true}).map(String).filter(name => name.endsWith('.ts'));
const internal = [];
for (const name of sources) {
	// A doc comment that says @internal, and the name declared right after it.
	for (const match of readFileSync(join(lib, name), 'utf8').matchAll(/\/\*\*(?:(?!\*\/)[\s\S])*@internal[\s\S]*?\*\/\s*(?:export\s+)?(?:(?:declare|async|function|protected|public|static|readonly|abstract|const|let|class|type)\s+)*([A-Za-z_$][\w$]*)/g)) {
		internal.push({file: name.replace(/\.ts$/, '.d.ts'), name: match[1]});
	}
}

const known = ['forRequest', 'setDebugSink', 'forgetKerberosModule', 'count', 'record'];
const missing = known.filter(name => !internal.some(item => item.name === name));
if (missing.length > 0) {
	throw new Error(`expected @internal in lib/ for ${missing.join(', ')}: update this check`);
}

const shipped = readdirSync(dist, {recursive: true}).map(String).filter(name => name.endsWith('.d.ts'));
const leaks = shipped.filter(name => readFileSync(join(dist, name), 'utf8').includes('@internal')).map(name => `${name}: an @internal comment`);
for (const {file, name} of internal) {
	const path = join(dist, file);
	// A declaration of the name: `name(`, `name<`, `name:`, `name?`, `function name`, `class name`...
	if (existsSync(path) && new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}\\s*[(<:?=]|(?:function|class|type|const|let)\\s+${name.replace(/\$/g, '\\$')}\\b`).test(readFileSync(path, 'utf8'))) {
		leaks.push(`${file}: ${name}`);
	}
}

if (leaks.length > 0) {
	throw new Error(`@internal items ship in the types:\n  ${leaks.join('\n  ')}`);
}

console.log(`types: no @internal item shipped (${internal.map(item => item.name).join(', ')})`);
JS

consumer=$work/consumer
mkdir -p "$consumer"
cd "$consumer"
echo '{"name":"consumer","version":"1.0.0","private":true}' > package.json
# A consumer's install prints no warning of ours (npm 11 warns of install scripts such as prepare).
install_log=$(npm install --no-audit --no-fund "$work/$tarball" 2>&1)
if echo "$install_log" | grep -q 'install-scripts'; then
	echo "installing the tarball warns of install scripts:" >&2
	echo "$install_log" >&2
	exit 1
fi
echo "install: no install-scripts warning for a consumer"

cat > esm.mjs <<'JS'
import got from 'got';
import {ArcGISServerTokenAuth, createSession, TokenAuthenticationError} from 'got-arcgis-auth';
import {startEmulator} from 'got-arcgis-auth/emulator';
const emu = await startEmulator();
const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
const client = got.extend({hooks: auth.hooks});
const {services} = await client(`${emu.serverUrl}/rest/services?f=json`).json();
const self = await createSession({auth}).get(`${emu.serverUrl}/rest/services?f=json`).json();
if (services.length !== 2 || !self.services || typeof TokenAuthenticationError !== 'function') throw new Error('ESM consumer failed');
await emu.close();
console.log('esm: ok');
JS
node esm.mjs

cat > cjs.cjs <<'JS'
const {ArcGISPortalTokenAuth, createSession} = require('got-arcgis-auth');
const {startEmulator} = require('got-arcgis-auth/emulator');
(async () => {
	const emu = await startEmulator();
	const s = createSession({auth: new ArcGISPortalTokenAuth('demo', 'demo1234')});
	const self = await s.get(`${emu.portalUrl}/sharing/rest/portals/self?f=json`).json();
	if (self.user.username !== 'demo') throw new Error('CommonJS consumer failed');
	await emu.close();
	console.log('cjs: ok');
})();
JS
node --no-warnings cjs.cjs

cat > consumer.ts <<'TS'
import got, {type Got} from 'got';
import {ArcGISServerAuth, ArcGISServerTokenAuth, createSession, TokenAuthenticationError, type AuthOptions, type TokenAuthenticationErrorCode} from 'got-arcgis-auth';
import {startEmulator, type Emulator} from 'got-arcgis-auth/emulator';
// @ts-expect-error GivenToken is the handlers' own type, not public API: nothing public takes it.
import type {GivenToken} from 'got-arcgis-auth';

const options: AuthOptions = {tokenIn: 'header', forcePost: url => url.pathname.endsWith('/query')};
const auth = new ArcGISServerTokenAuth('demo', 'demo1234', options);
const client: Got = got.extend({hooks: auth.hooks});
const session: Got = createSession({auth: new ArcGISServerAuth(), verify: true, headers: {'x-app': 'consumer'}});
const code: TokenAuthenticationErrorCode = 'INVALID_CREDENTIALS';
// The error's own constructor ships (kept out of the reference, not stripped: got's would show through).
export const made: TokenAuthenticationError = new TokenAuthenticationError('INVALID_OPTION', 'made by a test double');
export async function run(): Promise<Emulator> {
	const emu = await startEmulator({tokenLifetimeSeconds: 60});
	try {
		await client(`${emu.serverUrl}/rest/services?f=json`).json<{services: unknown[]}>();
	} catch (error: unknown) {
		if (error instanceof TokenAuthenticationError && error.code === code) {
			throw error;
		}
	}

	void session;
	const expires: Date | undefined = auth.expires;
	void expires;
	return emu;
}
TS
cat > tsconfig.json <<'JSON'
{"compilerOptions": {"target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true, "noEmit": true, "skipLibCheck": false, "types": ["node"]}, "files": ["consumer.ts"]}
JSON
mkdir -p node_modules/@types && ln -s "$root/node_modules/@types/node" node_modules/@types/node
node "$root/node_modules/typescript/bin/tsc" -p tsconfig.json
echo "typescript: ok"

# The README's quick start, copied out verbatim, must run as a newcomer would run it.
node -e "const s = require('fs').readFileSync(process.argv[1], 'utf8'); const m = /Save as \`try\.mjs\`[\s\S]*?\`\`\`js\n([\s\S]*?)\`\`\`/.exec(s); if (!m) process.exit(1); require('fs').writeFileSync('try.mjs', m[1]);" "$root/README.md"
node try.mjs > try.out
grep -q "org_admin" try.out && grep -q "count: 5" try.out
echo "README quick start: ok"

npx --no-install arcgis-auth --help | head -n 1

# got is a peer dependency because the library's error extends got's RequestError, and got passes a
# hook's error through as itself only if it is an instance of its own class. A consumer whose got
# is older than ours (the floor of the peer range) must get a refused login as
# TokenAuthenticationError: first as npm installs it (one got), then with a second got forced under
# the package, as pnpm or a bundler can leave it (the handler's beforeError hook unwraps).
floor_got=$(node -p "require('$root/package.json').peerDependencies.got.replace(/^\\^/, '')")
our_got=$(node -p "require('$root/node_modules/got/package.json').version")
older=$work/older-got
mkdir -p "$older"
cd "$older"
echo '{"name":"older-got","version":"1.0.0","private":true}' > package.json
npm install --no-audit --no-fund --loglevel=error --save-exact "got@$floor_got" "$work/$tarball" >/dev/null
installed_got=$(node -p "require('./node_modules/got/package.json').version")
if [ "$installed_got" != "$floor_got" ] || [ -e node_modules/got-arcgis-auth/node_modules/got ]; then
	echo "older-got consumer: expected got $floor_got alone, found $installed_got$([ -e node_modules/got-arcgis-auth/node_modules/got ] && echo ' and a nested copy')" >&2
	exit 1
fi

cat > refused-login.mjs <<'JS'
// node refused-login.mjs <copies of got expected>: a wrong password, sent through the consumer's got.
import got, {RequestError} from 'got';
import {ArcGISServerTokenAuth, TokenAuthenticationError} from 'got-arcgis-auth';
import {startEmulator} from 'got-arcgis-auth/emulator';
const expected = Number(process.argv[2]);
// One got: the library's error extends the consumer's RequestError.
const copies = Object.getPrototypeOf(TokenAuthenticationError.prototype) === RequestError.prototype ? 1 : 2;
const emu = await startEmulator();
let error;
try {
	await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: new ArcGISServerTokenAuth('demo', 'not-the-password').hooks});
} catch (caught) {
	error = caught;
} finally {
	await emu.close();
}
const seen = {copies, instanceofTokenAuthenticationError: error instanceof TokenAuthenticationError, name: error?.name, code: error?.code, url: error?.url, arcgisErrorCode: error?.arcgisError?.code};
console.log(`  ${JSON.stringify(seen)}`);
if (copies !== expected) throw new Error(`expected ${expected} copies of got, found ${copies}`);
if (!seen.instanceofTokenAuthenticationError || seen.code !== 'INVALID_CREDENTIALS' || typeof seen.url !== 'string' || seen.arcgisErrorCode === undefined) {
	throw new Error('the refused login did not reach the caller as TokenAuthenticationError');
}
JS
echo "got $floor_got in the consumer, one copy:"
node refused-login.mjs 1

# A complete install of our got, with its dependencies, nested under the package.
second=$work/second-got
mkdir -p "$second"
(cd "$second" && echo '{"name":"second-got","version":"1.0.0","private":true}' > package.json && npm install --no-audit --no-fund --loglevel=error "got@$our_got" >/dev/null)
mkdir -p node_modules/got-arcgis-auth/node_modules
cp -R "$second/node_modules/." node_modules/got-arcgis-auth/node_modules/
echo "got $floor_got in the consumer, got $our_got nested under got-arcgis-auth:"
node refused-login.mjs 2

# The shipped types against the floor's types (got's hook types changed within 14.x).
cp "$consumer/consumer.ts" "$consumer/tsconfig.json" .
rm -rf node_modules/got-arcgis-auth/node_modules
mkdir -p node_modules/@types && ln -sfn "$root/node_modules/@types/node" node_modules/@types/node
node "$root/node_modules/typescript/bin/tsc" -p tsconfig.json
echo "typescript against got $floor_got: ok"
echo "older got in the consumer: ok"
echo "package check: ok"
