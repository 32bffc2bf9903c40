import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {promisify} from 'node:util';

describe('debug output (NODE_DEBUG=got-arcgis-auth)', () => {
	it('names the steps and never a password or token', async () => {
		const script = fileURLToPath(new URL('fixtures/debug-flow.ts', import.meta.url));
		const {stdout, stderr} = await promisify(execFile)(process.execPath, ['--import', 'tsx', script], {env: {...process.env, NODE_DEBUG: 'got-arcgis-auth'}});
		const {tokens} = JSON.parse(stdout) as {tokens: string[]};
		assert.ok(tokens.length > 0);
		assert.match(stderr, /GOT-ARCGIS-AUTH \d+: ArcGISServerTokenAuth .*fetching a token/);
		assert.match(stderr, /token 1 placed in body for POST https:\/\/gis\.example\.com\/arcgis\/rest\/services/);
		assert.match(stderr, /token 1 rejected, refreshing and retrying once/);
		assert.match(stderr, /kept until reset\(\)/);
		for (const secret of ['right-password', 'Wr0ng-Secret-9', ...tokens, 'tok-1-']) {
			assert.ok(!stderr.includes(secret), `${secret} in debug output`);
		}
	});
});
