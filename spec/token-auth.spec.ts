import assert from 'node:assert/strict';
import {inspect} from 'node:util';
import got from 'got';
import sinon from 'sinon';
import {ArcGISServerTokenAuth, ArcGISTokenAuth, TokenAuthenticationError, createSession} from '../lib/index.js';
import {startEmulator} from '../lib/emulator/index.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

const expired = (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'TOKEN_EXPIRED' && /cannot be renewed/.test(error.message);

describe('ArcGISTokenAuth (a token or API key obtained elsewhere)', () => {
	withoutNock();
	const emu = useEmulator({refererBound: false}, {each: true});
	afterEach(() => {
		sinon.restore();
	});

	it('puts the given token on requests, per tokenIn, with no login and no discovery', async () => {
		const {token} = emu.issueToken();
		for (const tokenIn of ['auto', 'query', 'header'] as const) {
			const auth = new ArcGISTokenAuth(token, {tokenIn});
			assert.ok((await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}).json<{services?: unknown}>()).services);
		}

		assert.deepEqual(
			emu.stats.log.filter(entry => entry.path === '/arcgis/rest/services').map(entry => entry.tokenIn),
			['body', 'query', 'header'],
		);
		assert.equal(emu.stats.tokenCalls, 0);
		assert.equal(emu.stats.counts['server.info'], undefined);
	});

	it('fails with TOKEN_EXPIRED on a 498 it cannot fix, once, and until setToken gives a new token', async () => {
		const {token} = emu.issueToken();
		const auth = new ArcGISTokenAuth(token);
		const s = createSession({auth});
		await s.get(`${emu.serverUrl}/rest/services?f=json`);
		emu.revokeAllTokens();
		await assert.rejects(s.get(`${emu.serverUrl}/rest/services?f=json`), expired);
		const before = emu.stats.requests;
		await assert.rejects(s.get(`${emu.serverUrl}/rest/services?f=json`), expired);
		assert.equal(emu.stats.requests, before, 'nothing sent with a token known to be dead');
		auth.setToken(emu.issueToken().token);
		assert.ok((await s.get(`${emu.serverUrl}/rest/services?f=json`).json<{services?: unknown}>()).services);
	});

	it('fails with TOKEN_EXPIRED once its stated expiry has passed, before sending it', async () => {
		const clock = sinon.useFakeTimers({now: Date.now(), toFake: ['Date']});
		const {token} = emu.issueToken();
		const auth = new ArcGISTokenAuth(token, {expires: Date.now() + 60_000});
		await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks});
		assert.equal(auth.expires?.getTime(), Date.now() + 60_000);
		clock.tick(61_000);
		await assert.rejects(got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}), expired);
		assert.equal(emu.stats.log.filter(entry => entry.path === '/arcgis/rest/services').length, 1);
	});

	it('follows the transport and redirect rules of every handler', async () => {
		const auth = new ArcGISTokenAuth('an-api-key-value');
		await assert.rejects(
			got('http://gis.example.com/arcgis/rest/services?f=json', {hooks: auth.hooks, retry: {limit: 0}}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INSECURE_TRANSPORT',
		);
		const other = await startEmulator();
		try {
			const key = new ArcGISTokenAuth(emu.issueToken().token);
			await got(`${emu.url}/redirect/307?to=${encodeURIComponent(`${other.serverUrl}/rest/services?f=json`)}`, {hooks: key.hooks, throwHttpErrors: false});
			assert.deepEqual(
				other.stats.log.map(entry => entry.tokenIn),
				[null],
			);
		} finally {
			await other.close();
		}
	});

	it('keeps the token out of inspect and JSON, and refuses an unusable token', () => {
		const auth = new ArcGISTokenAuth('Secret-Key-0123456789');
		assert.ok(!inspect(auth, {depth: 8, showHidden: true}).includes('Secret-Key-0123456789'));
		assert.ok(!JSON.stringify(auth).includes('Secret-Key-0123456789'));
		for (const bad of ['', ' ', 'two words', 42]) {
			assert.throws(() => new ArcGISTokenAuth(bad as string), {code: 'INVALID_OPTION'});
		}

		assert.throws(() => new ArcGISTokenAuth('k', {expires: Number.NaN}), {code: 'INVALID_OPTION'});
	});

	it('refuses a given token with characters no header or URL could carry', () => {
		for (const bad of ['line\r\nX-Injected: yes', 'nul\u0000key', 'caf\u00e9']) {
			assert.throws(() => new ArcGISTokenAuth(bad), {code: 'INVALID_OPTION'});
		}
	});

	it('reset() keeps a given token that is still valid: the next request uses it again', async () => {
		const {token} = emu.issueToken();
		const auth = new ArcGISTokenAuth(token, {expires: Date.now() + 3_600_000});
		await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks});
		auth.reset();
		assert.ok((await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}).json<{services?: unknown}>()).services);
		assert.equal(auth.token, token);
	});

	it('has no setCredentials: it logs in with nothing, so there is nothing to replace', () => {
		const auth = new ArcGISTokenAuth('an-api-key-value');
		// @ts-expect-error setCredentials is not part of ArcGISTokenAuth.
		assert.equal(typeof auth.setCredentials, 'undefined');
		assert.equal(typeof new ArcGISServerTokenAuth('alice', 'pw').setCredentials, 'function');
	});
});
