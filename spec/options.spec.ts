import assert from 'node:assert/strict';
import {inspect} from 'node:util';
import got from 'got';
import {ArcGISPortalTokenAuth, ArcGISServerTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
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
