import assert from 'node:assert/strict';
import {Readable} from 'node:stream';
import got, {RequestError, type Options} from 'got';
import {ArcGISServerTokenAuth, TokenAuthenticationError} from '../lib/index.js';
import {FakeSite, useNock} from './helpers/fake-site.js';
import {useSecondGot} from './helpers/second-got.js';

const ORIGIN = 'https://gis.example.com';
const SERVICES = `${ORIGIN}/arcgis/rest/services?f=json`;

/** The URL got had in the options an error carries. */
function requestUrl(error: unknown): string {
	return String(((error as RequestError).options as Options | undefined)?.url);
}

// got is a peer dependency, but two copies can still meet (pnpm, bundlers, a forced nested
// install): the caller's got wraps what our hooks throw, since our error does not extend its
// RequestError. The caller must get our error all the same.
describe("a caller whose got is another copy than the library's", () => {
	useNock();
	const second = useSecondGot();

	it('is a copy of its own: its RequestError is not the one our errors extend', () => {
		assert.notEqual(second.module.RequestError, RequestError);
		assert.equal(new TokenAuthenticationError('INVALID_OPTION', 'x') instanceof second.module.RequestError, false);
	});

	it("gets a refused login as the TokenAuthenticationError itself, carrying each request's own options", async () => {
		new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'wrong-password');
		const client = second.module.got.extend({hooks: auth.hooks});
		const first = await client(SERVICES).then(
			() => assert.fail('the login should have been refused'),
			(error: unknown) => error,
		);
		assert.ok(first instanceof TokenAuthenticationError, `rejected with ${String(first)}`);
		assert.equal(first.name, 'TokenAuthenticationError');
		assert.equal(first.code, 'INVALID_CREDENTIALS');
		assert.equal(first.url, `${ORIGIN}/arcgis/tokens/generateToken`);
		assert.deepEqual(first.arcgisError?.code, 400);
		assert.match(requestUrl(first), /\/arcgis\/rest\/services/);
		assert.equal(Object.keys(first).includes('options'), false, 'the options stay out of inspection, as on every TokenAuthenticationError');

		// The kept failure is handed to the next request: its own error object, with its own options.
		const other = await client(`${ORIGIN}/arcgis/rest/services/Hosted?f=json`).then(
			() => assert.fail('the kept failure should have been handed out'),
			(error: unknown) => error,
		);
		assert.ok(other instanceof TokenAuthenticationError);
		assert.notEqual(other, first);
		assert.match(requestUrl(other), /\/services\/Hosted/);
	});

	it('gets an error raised after the response (TOKEN_REJECTED on a stream body) as itself', async () => {
		const site = new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		const client = second.module.got.extend({hooks: auth.hooks});
		await client(SERVICES);
		site.valid.clear();
		await assert.rejects(
			client.post(`${ORIGIN}/arcgis/rest/services/x/upload?f=json`, {body: Readable.from(['a=1']), headers: {'content-type': 'application/octet-stream'}}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'TOKEN_REJECTED' && /\/upload/.test(requestUrl(error)),
		);
	});

	it("leaves alone a wrapper the caller made on purpose with the library's got", async () => {
		new FakeSite(ORIGIN);
		const auth = new ArcGISServerTokenAuth('alice', 'wrong-password');
		class LoginFailed extends RequestError {}
		// The caller's beforeError hook runs before the handler's here, and wraps our error in its own.
		const client = got.extend({hooks: {beforeError: [error => new LoginFailed('could not log in', error, error.options)]}}).extend({hooks: auth.hooks});
		await assert.rejects(client(SERVICES), (error: unknown) => error instanceof LoginFailed && error.cause instanceof TokenAuthenticationError);
	});

	it("leaves errors that are not the library's as the caller's got made them", async () => {
		const site = new FakeSite(ORIGIN);
		site.resource = () => ({status: 404, body: 'Not Found'});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await assert.rejects(got(SERVICES, {hooks: auth.hooks}), (error: unknown) => error instanceof RequestError && error.name === 'HTTPError');
		await assert.rejects(
			second.module.got(SERVICES, {hooks: auth.hooks}),
			(error: unknown) => error instanceof second.module.HTTPError && !(error instanceof TokenAuthenticationError) && error.response.statusCode === 404,
		);
	});
});
