import assert from 'node:assert/strict';
import got from 'got';
import nock from 'nock';
import {ArcGISPortalAuth, ArcGISServerTokenAuth, TokenAuthenticationError} from '../lib/index.js';
import {FakeSite, useNock} from './helpers/fake-site.js';

const ORIGIN = 'https://gis.example.com';

async function failure(promise: Promise<unknown>): Promise<TokenAuthenticationError> {
	const error = await promise.then(
		() => assert.fail('expected a failure'),
		(error_: unknown) => error_,
	);
	assert.ok(error instanceof TokenAuthenticationError, String(error));
	return error;
}

/** The rule written on invalidOption: errors raised while a request runs start with the handler's class name, once. */
describe('error messages name the handler', () => {
	useNock();

	it('a refused login, through got: "ArcGISServerTokenAuth: " once, then the token service', async () => {
		new FakeSite(ORIGIN, {password: 'another'});
		const error = await failure(got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: new ArcGISServerTokenAuth('alice', 'wrong').hooks}));
		assert.equal(error.code, 'INVALID_CREDENTIALS');
		assert.match(error.message, /^ArcGISServerTokenAuth: the token service at https:\/\/gis\.example\.com\/arcgis\/tokens\/generateToken refused the login/);
	});

	it('a failed discovery and an unreachable site, through got and through getToken', async () => {
		nock(ORIGIN).get('/portal/sharing/rest/info').query(true).twice().reply(200, '<html>maintenance</html>', {'content-type': 'text/html'});
		const auth = new ArcGISPortalAuth('alice', 'pw');
		const viaGot = await failure(got(`${ORIGIN}/portal/sharing/rest/portals/self?f=json`, {hooks: auth.hooks}));
		const viaGetToken = await failure(auth.getToken(`${ORIGIN}/portal/sharing/rest/portals/self`));
		for (const error of [viaGot, viaGetToken]) {
			assert.equal(error.code, 'DISCOVERY_FAILED');
			assert.match(error.message, /^ArcGISPortalAuth: the site information at https:\/\/gis\.example\.com\/portal\/sharing\/rest\/info answered HTTP 200 with HTML/);
		}

		nock('https://gone.example.com')
			.get('/arcgis/rest/info')
			.query(true)
			.replyWithError(Object.assign(new Error('getaddrinfo ENOTFOUND gone.example.com'), {code: 'ENOTFOUND'}));
		const unreachable = await failure(got('https://gone.example.com/arcgis/rest/services?f=json', {hooks: new ArcGISServerTokenAuth('alice', 'pw').hooks, retry: {limit: 0}}));
		assert.equal(unreachable.code, 'NETWORK_ERROR');
		assert.match(unreachable.message, /^ArcGISServerTokenAuth: Could not reach https:\/\/gone\.example\.com\/arcgis\/rest\/info\?f=json: /);
	});

	it('never twice, and not on option errors, which name the package', async () => {
		new FakeSite(ORIGIN, {password: 'another'});
		const auth = new ArcGISServerTokenAuth('alice', 'wrong');
		for (let attempt = 0; attempt < 3; attempt++) {
			const error = await failure(got(`${ORIGIN}/arcgis/rest/services?f=json`, {hooks: auth.hooks}));
			assert.equal(error.message.split('ArcGISServerTokenAuth: ').length, 2, error.message);
		}

		assert.throws(
			() => new ArcGISServerTokenAuth('alice', 'pw', {tokenIn: 'cookie' as never}),
			(error: unknown) => error instanceof TokenAuthenticationError && /^got-arcgis-auth: option tokenIn/.test(error.message),
		);
	});
});
