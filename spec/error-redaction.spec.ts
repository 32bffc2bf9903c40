import assert from 'node:assert/strict';
import got, {HTTPError, MaxRedirectsError, ParseError, RequestError, TimeoutError, type OptionsInit} from 'got';
import {ArcGISServerTokenAuth, type AuthOptions} from '../lib/index.js';
import {errorViews} from './helpers/error-views.js';
import {LocalSite, withoutNock} from './helpers/local-site.js';

/** How a handler ends up with its token in the URL: every way the issue names. */
const queryPlacements: Array<[string, AuthOptions, (url: string) => Omit<OptionsInit, 'isStream'>]> = [
	["tokenIn: 'query'", {tokenIn: 'query'}, () => ({})],
	['forcePost: false', {forcePost: false}, () => ({})],
	['a forcePost predicate that says no', {forcePost: () => false}, () => ({})],
	['the default options on a JSON POST', {}, () => ({method: 'POST', json: {features: []}})],
	['the default options on a PUT', {}, () => ({method: 'PUT', body: 'raw bytes'})],
	['the default options on a multipart upload', {}, () => ({method: 'POST', body: multipart()})],
];

async function failureOf(request: Promise<unknown>): Promise<unknown> {
	return request.then(
		() => assert.fail('expected the request to fail'),
		(error: unknown) => error,
	);
}

function multipart(): FormData {
	const form = new FormData();
	form.append('f', 'json');
	form.append('file', new Blob(['a,b\n1,2\n']), 'points.csv');
	return form;
}

/** Each kind of got error a request the handler authenticated can end with, and how to provoke it. */
const failures: Array<[string, string, Omit<OptionsInit, 'isStream'>, (error: unknown) => void]> = [
	[
		'HTTPError (HTTP 500)',
		'/arcgis/rest/services/fail',
		{},
		error => {
			assert.ok(error instanceof HTTPError);
			assert.equal(error.response.statusCode, 500);
			assert.equal(error.code, 'ERR_NON_2XX_3XX_RESPONSE');
			assert.match(error.message, /^Request failed with status code 500 \(Internal Server Error\): \w+ http:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/services\/fail/);
		},
	],
	[
		'RequestError (connection reset)',
		'/arcgis/rest/services/reset',
		{},
		error => {
			assert.ok(error instanceof RequestError && !(error instanceof HTTPError));
			assert.ok(['ECONNRESET', 'ERR_GOT_REQUEST_ERROR'].includes(error.code), error.code);
		},
	],
	[
		'TimeoutError',
		'/arcgis/rest/services/hang',
		{timeout: {request: 300}},
		error => {
			assert.ok(error instanceof TimeoutError);
			assert.equal(error.code, 'ETIMEDOUT');
		},
	],
	[
		'ParseError',
		'/arcgis/rest/services/not-json',
		{responseType: 'json'},
		error => {
			assert.ok(error instanceof ParseError);
			assert.equal(error.code, 'ERR_BODY_PARSE_FAILURE');
			assert.match(error.message, / in "http:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/services\/not-json/);
		},
	],
	[
		'MaxRedirectsError',
		'/arcgis/rest/services/loop',
		{maxRedirects: 2},
		error => {
			assert.ok(error instanceof MaxRedirectsError);
			assert.equal(error.code, 'ERR_TOO_MANY_REDIRECTS');
			assert.equal(error.response.redirectUrls.length, 2);
		},
	],
	[
		"a retry's error (HTTP 503 after got's retry)",
		'/arcgis/rest/services/unavailable',
		{retry: {limit: 1, methods: ['GET', 'POST', 'PUT'], backoffLimit: 20}},
		error => {
			assert.ok(error instanceof HTTPError);
			assert.equal(error.response.statusCode, 503);
			assert.equal(error.request.retryCount, 1);
		},
	],
];

describe('errors of authenticated requests', () => {
	withoutNock();
	const site = new LocalSite();
	before(async () => {
		await site.start();
		site.route = (request, response, url) => {
			switch (url.pathname) {
				case '/arcgis/rest/services/fail': {
					response.writeHead(500).end('Internal Server Error');
					return true;
				}

				case '/arcgis/rest/services/unavailable': {
					response.writeHead(503).end('busy');
					return true;
				}

				case '/arcgis/rest/services/reset': {
					request.socket.destroy();
					return true;
				}

				case '/arcgis/rest/services/hang': {
					return true;
				}

				case '/arcgis/rest/services/not-json': {
					response.writeHead(200, {'content-type': 'application/json'}).end('<html>not json</html>');
					return true;
				}

				case '/arcgis/rest/services/loop': {
					// The Location echoes the query it was sent, token included, as some proxies do.
					response.writeHead(302, {location: `${url.pathname}${url.search}`}).end();
					return true;
				}

				default: {
					return false;
				}
			}
		};
	});
	after(async () => {
		await site.stop();
	});

	for (const [how, options, request] of queryPlacements) {
		describe(`with the token in the query (${how})`, () => {
			// got cannot send a multipart (stream) body twice: no redirect hop, no retry for it.
			const kinds = how.includes('multipart') ? failures.filter(([kind]) => !/Redirects|retry/.test(kind)) : failures;
			for (const [kind, path, extra, check] of kinds) {
				it(`${kind}: the same class, status and code, and no token in anything a person or a logger sees`, async () => {
					const auth = new ArcGISServerTokenAuth('alice', 'demo1234', options);
					const url = `${site.url}${path}?f=json`;
					const error = await failureOf(got(url, {hooks: auth.hooks, retry: {limit: 0}, ...request(url), ...extra, isStream: false}));
					check(error);
					const sent = site.received.filter(received => received.path.startsWith(path)).at(-1);
					assert.ok(sent?.path.includes('token='), `the token went in the query (${sent?.path ?? 'nothing sent'})`);
					assert.ok(site.tokens.size > 0);
					for (const view of errorViews(error)) {
						for (const token of site.tokens) {
							assert.ok(!view.includes(token), `the token is in: ${view.slice(0, 400)}`);
						}
					}
				});
			}
		});
	}

	it('keeps the rest of the URL readable, with the token marked as removed', async () => {
		const auth = new ArcGISServerTokenAuth('alice', 'demo1234', {forcePost: false});
		const error = await got(`${site.url}/arcgis/rest/services/fail?f=json&where=1%3D1`, {hooks: auth.hooks, retry: {limit: 0}}).catch((error_: unknown) => error_);
		assert.ok(error instanceof HTTPError);
		assert.match(error.message, /\/arcgis\/rest\/services\/fail\?f=json&where=1%3D1&token=REDACTED$/);
		assert.equal(new URL(error.response.url).searchParams.get('where'), '1=1');
		assert.equal(error.options.url instanceof URL ? error.options.url.searchParams.get('token') : 'not a URL', null, "the options are the caller's request again, without the handler's token");
	});

	it("leaves a caller's own token where the caller put it", async () => {
		const error = await got(`${site.url}/arcgis/rest/services/fail?f=json&token=callers-own`, {hooks: new ArcGISServerTokenAuth('alice', 'demo1234').hooks, retry: {limit: 0}}).catch(
			(error_: unknown) => error_,
		);
		assert.ok(error instanceof HTTPError);
		assert.equal((error.options.url as URL).searchParams.get('token'), 'callers-own');
	});
});
