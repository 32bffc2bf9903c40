import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import got from 'got';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

const run = promisify(execFile);
const guide = readFileSync(new URL('../docs/6-migrating-from-python.md', import.meta.url), 'utf8');
/** The first fenced block of a language that contains the text. */
const block = (language: string, containing: string) => [...guide.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map(match => match[1]!).find(code => code.includes(containing));

describe('docs/6-migrating-from-python.md', function () {
	this.timeout(20_000);
	withoutNock();
	const emu = useEmulator();

	it('maps each requests idiom a port needs to got', () => {
		for (const idiom of [
			'raise_for_status',
			'throwHttpErrors: false',
			'r.status_code',
			'statusCode',
			'r.json()',
			'params=',
			'searchParams',
			'data=',
			'form:',
			'json=',
			'timeout=',
			'timeout: {request',
			'verify=False',
			"verify='",
			'allow_redirects=False',
			'followRedirect: false',
			'filterwarnings',
			'--disable-warning',
		]) {
			assert.ok(guide.includes(idiom), idiom);
		}
	});

	it('is right that got throws on a 4xx where requests would not, and that throwHttpErrors: false returns it', async () => {
		await assert.rejects(got(`${emu.url}/nope`), (error: Error) => error.name === 'HTTPError');
		assert.equal((await got(`${emu.url}/nope`, {throwHttpErrors: false})).statusCode, 404);
	});

	it('silences TokenAuthenticationWarning by code and by type as it shows', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'polish-warn-'));
		try {
			const script = join(dir, 'warn.mjs');
			writeFileSync(
				script,
				"process.emitWarning('a', {type: 'TokenAuthenticationWarning', code: 'NO_TOKEN_SECURITY'});\nprocess.emitWarning('b', {type: 'TokenAuthenticationWarning', code: 'WEB_TIER_FAILED'});\n",
			);
			const byCode = await run(process.execPath, ['--disable-warning=NO_TOKEN_SECURITY', script]);
			assert.match(byCode.stderr, /\[WEB_TIER_FAILED\] TokenAuthenticationWarning: b/);
			assert.ok(!byCode.stderr.includes('NO_TOKEN_SECURITY'), byCode.stderr);
			const byType = await run(process.execPath, ['--disable-warning=TokenAuthenticationWarning', script]);
			assert.equal(byType.stderr, '');
			const listener = block('ts', "process.removeAllListeners('warning')");
			assert.ok(listener, 'the listener recipe');
			writeFileSync(join(dir, 'listener.ts'), `${listener}${readFileSync(script, 'utf8')}`);
			const inScript = await run(process.execPath, ['--import', 'tsx', join(dir, 'listener.ts')], {cwd: process.cwd()});
			assert.equal(inScript.stderr, 'TokenAuthenticationWarning: b\n');
		} finally {
			rmSync(dir, {recursive: true, force: true});
		}
	});
});
