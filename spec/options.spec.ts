import assert from 'node:assert/strict';
import {readdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {inspect} from 'node:util';
import got from 'got';
import {ArcGISPortalAuth, ArcGISPortalTokenAuth, ArcGISServerTokenAuth, ArcGISTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {FakeSite, useNock} from './helpers/fake-site.js';

const invalidOption = (pattern: RegExp) => (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION' && pattern.test(error.message);

describe('constructor arguments and options', () => {
	it('rejects missing credentials with INVALID_OPTION and without repeating them', () => {
		assert.throws(() => new ArcGISServerTokenAuth('', 'pw-secret-1'), invalidOption(/username/));
		assert.throws(() => new ArcGISServerTokenAuth('alice', ''), invalidOption(/password/));
		assert.throws(() => new ArcGISPortalTokenAuth(undefined as unknown as string, 'pw-secret-1'), invalidOption(/username/));
		try {
			new ArcGISServerTokenAuth(42 as unknown as string, 'pw-secret-1');
		} catch (error) {
			assert.ok(!inspect(error).includes('pw-secret-1'));
		}
	});

	for (const [options, pattern] of [
		[{tokenIn: 'cookie'}, /tokenIn must be one of 'auto', 'query', 'header'/],
		[{client: 'browser'}, /client must be one of/],
		[{client: 'ip'}, /needs the option ip/],
		[{forcePost: 'yes'}, /forcePost must be/],
		[{verify: 'no'}, /verify must be true or false/],
		[{allowHttp: 1}, /allowHttp must be true or false/],
		[{expiration: -5}, /expiration must be a number of minutes/],
		[{expiration: 0}, /at least 1 minute/],
		[{refreshMargin: Number.NaN}, /refreshMargin must be a number of seconds/],
		[{referer: 'a\r\nX-Evil: 1'}, /referer must be/],
		[{instance: 'arcgis?x=1'}, /instance must be/],
	] as const) {
		it(`rejects ${JSON.stringify(options)}`, () => {
			assert.throws(() => new ArcGISServerTokenAuth('alice', 'pw', options as never), invalidOption(pattern));
		});
	}

	it('rejects a createSession without a handler in auth', () => {
		assert.throws(() => createSession({auth: 'alice' as never}), invalidOption(/auth must be a handler/));
	});

	// The message rule (lib/errors.ts, invalidOption): an option error names the library first, once.
	for (const [where, attempt] of [
		['createSession auth', () => createSession({auth: 'alice' as never})],
		['createSession verify', () => createSession({verify: 'no' as never})],
		['ArcGISTokenAuth token', () => new ArcGISTokenAuth('two words')],
		['ArcGISTokenAuth expires', () => new ArcGISTokenAuth('k', {expires: Number.NaN})],
		['ArcGISTokenAuth.setToken', () => new ArcGISTokenAuth('k').setToken('')],
		['handler options', () => new ArcGISServerTokenAuth('alice', 'pw', 'fast' as never)],
		['an option value', () => new ArcGISServerTokenAuth('alice', 'pw', {callTimeout: 0})],
		['credentials', () => new ArcGISServerTokenAuth('alice', '')],
		['setCredentials', () => new ArcGISPortalAuth().setCredentials('', 'pw')],
		['TLS options', () => new ArcGISServerTokenAuth('alice', 'pw', {certificate: '-----BEGIN CERTIFICATE-----'})],
	] as const) {
		it(`starts the message of an option error with 'got-arcgis-auth: ' (${where})`, () => {
			assert.throws(attempt, (error: unknown) => {
				assert.ok(error instanceof TokenAuthenticationError);
				assert.equal(error.code, 'INVALID_OPTION');
				assert.match(error.message, /^got-arcgis-auth: (?!got-arcgis-auth)\S/);
				return true;
			});
		});
	}

	it('builds every INVALID_OPTION error with invalidOption (lib/errors.ts), and nowhere else by hand', () => {
		const lib = fileURLToPath(new URL('../lib/', import.meta.url));
		const byHand = readdirSync(lib, {recursive: true})
			.map(String)
			.filter(name => name.endsWith('.ts') && name !== 'errors.ts')
			.filter(name => /TokenAuthenticationError\(\s*'INVALID_OPTION'/.test(readFileSync(join(lib, name), 'utf8')));
		assert.deepEqual(byHand, []);
	});
});

describe('secrets stay out of inspect and JSON', () => {
	useNock();

	it('shows neither password nor token in util.inspect or JSON.stringify of a handler', async () => {
		new FakeSite('https://gis.example.com');
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got('https://gis.example.com/arcgis/rest/services?f=json', {hooks: auth.hooks});
		const token = auth.token;
		assert.ok(token);
		for (const text of [inspect(auth, {depth: 10, showHidden: true}), JSON.stringify(auth)]) {
			assert.ok(!text.includes('right-password'), text);
			assert.ok(!text.includes(token), text);
		}

		assert.match(inspect(auth), /ArcGISServerTokenAuth .*alice.*hasToken: true/s);
	});
});
