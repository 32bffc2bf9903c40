import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const RUN = fileURLToPath(new URL('fixtures/without-redis.mjs', import.meta.url));

type Outcome = {
	redisFound: boolean;
	unhandled: string[];
	fromUrl: 'constructed' | {ours: boolean; name: string; code: string; message: string};
	ownClient: string | {failed: string};
};

/**
A copy of lib/ in a temporary folder whose node_modules has every package of this one's but the
optional `redis` (and its `@redis/*` parts): a machine where `npm install redis` was never run.
*/
function withoutRedis(): string {
	const root = mkdtempSync(join(tmpdir(), 'got-arcgis-auth-no-redis-'));
	cpSync(join(REPO, 'lib'), join(root, 'lib'), {recursive: true});
	writeFileSync(join(root, 'package.json'), JSON.stringify({type: 'module'}));
	mkdirSync(join(root, 'node_modules'));
	for (const name of readdirSync(join(REPO, 'node_modules'))) {
		if (name !== 'redis' && name !== '@redis' && name !== '.bin') {
			symlinkSync(join(REPO, 'node_modules', name), join(root, 'node_modules', name));
		}
	}

	return root;
}

// redis is an optional peer dependency, as kerberos is: the library must load without it and say
// what to install only where it is needed — RedisTokenStore from a url.
describe('RedisTokenStore without the optional package redis', function () {
	// A fresh Node process with the TypeScript loader.
	this.timeout(30_000);
	let outcome: Outcome;
	before(async () => {
		const root = withoutRedis();
		try {
			const stdout = await new Promise<string>((resolve, reject) => {
				execFile(process.execPath, ['--import', 'tsx', RUN, root], {cwd: root, timeout: 25_000}, (error, out, err) => {
					if (error) {
						reject(new Error(`the child failed: ${err || error.message}`));
						return;
					}

					resolve(out);
				});
			});
			outcome = JSON.parse(stdout) as Outcome;
		} finally {
			rmSync(root, {recursive: true, force: true});
		}
	});

	it('is a machine without it: redis cannot be resolved from the library', () => {
		assert.equal(outcome.redisFound, false);
	});

	it('throws INVALID_OPTION from the constructor given a url, saying what to install', () => {
		assert.deepEqual(outcome.fromUrl, {
			ours: true,
			name: 'TokenAuthenticationError',
			code: 'INVALID_OPTION',
			message: 'got-arcgis-auth: RedisTokenStore needs the optional package redis: npm install redis (or pass a client of your own).',
		});
		assert.deepEqual(outcome.unhandled, [], 'no rejection later: the constructor is where it fails');
	});

	it('works with a client of your own, which needs no redis package', () => {
		assert.equal(outcome.ownClient, 'a value');
	});
});
