import assert from 'node:assert/strict';
import {isInvalidTokenResponse} from '../lib/http/invalid-token.js';
import {parseTokenResponse} from '../lib/token/issued-token.js';
import {parseSiteInfo} from '../lib/token/site-info.js';
import {computeRefreshAt} from '../lib/token/expiry.js';
import {TokenAuthenticationError} from '../lib/index.js';

const response = (statusCode: number, body: string | object) => ({statusCode, rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))});

describe('invalid-token detection', () => {
	it('sees HTTP 498 and 499 whatever the body', () => {
		assert.equal(isInvalidTokenResponse(response(498, '<html>')), true);
		assert.equal(isInvalidTokenResponse(response(499, '')), true);
	});

	it('sees error.code 498/499 in a JSON body of HTTP 200', () => {
		assert.equal(isInvalidTokenResponse(response(200, {error: {code: 498, message: 'Invalid token.', details: []}})), true);
		assert.equal(isInvalidTokenResponse(response(200, {error: {code: 499, message: 'Token Required', messageCode: 'GWM_0003', details: []}})), true);
		assert.equal(isInvalidTokenResponse(response(200, `  \n{"error":{"code":"498","message":"Invalid token."}}`)), true);
	});

	it('sees the Administrator API shape {status: "error", code}', () => {
		assert.equal(isInvalidTokenResponse(response(200, {status: 'error', messages: ['Unauthorized access. Token not found.'], code: 499})), true);
		assert.equal(isInvalidTokenResponse(response(200, {status: 'error', messages: ['Invalid token, ClientID does not match.'], code: 498})), true);
	});

	it('does not take a 403 GWM_0003 permission error, data or large bodies for a token problem', () => {
		assert.equal(
			isInvalidTokenResponse(response(200, {error: {code: 403, messageCode: 'GWM_0003', message: 'You do not have permissions to access this resource or perform this operation.', details: []}})),
			false,
		);
		assert.equal(isInvalidTokenResponse(response(200, {features: [{attributes: {code: 498}}]})), false);
		assert.equal(isInvalidTokenResponse(response(200, {status: 'success', code: 498})), false);
		assert.equal(isInvalidTokenResponse(response(200, '<html>498</html>')), false);
		const big = JSON.stringify({error: {code: 498}, padding: 'x'.repeat(70 * 1024)});
		assert.equal(isInvalidTokenResponse(response(200, big)), false);
		assert.equal(isInvalidTokenResponse(response(200, '{"error":{"code":498')), false);
	});
});

describe('generateToken answer parsing', () => {
	const url = new URL('https://h/arcgis/tokens/generateToken');
	const now = Date.UTC(2026, 0, 1);
	const context = {url, refreshMarginMs: 120_000, now, secrets: ['s3cret-pass']};
	const parse = (statusCode: number, body: string, date?: string) => parseTokenResponse({statusCode, body, date}, context);
	const fails = (code: string, pattern: RegExp, statusCode: number, body: string) => {
		assert.throws(
			() => parse(statusCode, body),
			(error: unknown) => {
				assert.ok(error instanceof TokenAuthenticationError);
				assert.equal(error.code, code);
				assert.match(error.message, pattern);
				return true;
			},
		);
	};

	it('reads expires as a number and as a string of milliseconds', () => {
		const expires = now + 3_600_000;
		assert.equal(parse(200, JSON.stringify({token: 't', expires, ssl: false})).expires?.getTime(), expires);
		const fromString = parse(200, JSON.stringify({token: 't', expires: String(expires)}));
		assert.equal(fromString.expires?.getTime(), expires);
		assert.equal(fromString.refreshAt, expires - 120_000);
		assert.equal(parse(200, JSON.stringify({token: 't', expires, ssl: true})).ssl, true);
	});

	it('corrects for a local clock that is off, using the Date header', () => {
		const serverNow = now + 3 * 3_600_000; // The server is three hours ahead.
		const parsed = parse(200, JSON.stringify({token: 't', expires: serverNow + 3_600_000}), new Date(serverNow).toUTCString());
		assert.equal(parsed.expiresAt, now + 3_600_000);
	});

	it('names wrong credentials INVALID_CREDENTIALS, with the server message and without the password', () => {
		fails('INVALID_CREDENTIALS', /Invalid username or password/, 200, JSON.stringify({error: {code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.']}}));
		assert.throws(
			() => parse(200, JSON.stringify({error: {code: 400, message: 'Bad password s3cret-pass', details: 'Invalid credentials'}})),
			(error: unknown) => error instanceof TokenAuthenticationError && !error.message.includes('s3cret-pass') && !JSON.stringify(error.arcgisError).includes('s3cret-pass'),
		);
	});

	it('turns other error bodies into TOKEN_SERVICE_ERROR, details as string or array', () => {
		fails(
			'TOKEN_SERVICE_ERROR',
			/Client ID is required/,
			200,
			JSON.stringify({error: {code: 201, message: 'Exception in generating token', details: 'Client ID is required for long expiration tokens.'}}),
		);
		fails(
			'TOKEN_SERVICE_ERROR',
			/Method not supported/,
			200,
			JSON.stringify({error: {code: 405, message: 'Method not supported', details: 'Generate Token request should not contain username and password in the query string.'}}),
		);
	});

	for (const [name, status, body, pattern] of [
		['HTML', 200, '<html><body>Login</body></html>', /HTML/],
		['an empty body', 200, '', /empty/],
		['invalid JSON', 200, '{"token":', /not valid JSON/],
		['{}', 200, '{}', /without a token/],
		['no token', 200, '{"expires": 1}', /without a token/],
		['missing expires', 200, '{"token":"t"}', /usable expiry/],
		['non-numeric expires', 200, '{"token":"t","expires":"soon"}', /usable expiry/],
		['expires already past', 200, `{"token":"t","expires":${now - 1000}}`, /already expired/],
		['HTTP 500 with JSON', 500, '{"token":"t","expires":99999999999999}', /HTTP 500/],
	] as const) {
		it(`rejects ${name} with a clear TOKEN_SERVICE_ERROR`, () => {
			fails('TOKEN_SERVICE_ERROR', pattern, status, body);
		});
	}
});

describe('refresh schedule', () => {
	it('refreshes 120 s before expiry, but never sooner than half the lifetime', () => {
		assert.equal(computeRefreshAt(0, 2 * 3_600_000, 120_000), 2 * 3_600_000 - 120_000);
		assert.equal(computeRefreshAt(0, 60_000, 120_000), 30_000);
		assert.equal(computeRefreshAt(1000, 240_000, 120_000), 121_000);
	});
});

describe('rest/info parsing', () => {
	const url = new URL('https://h/arcgis/rest/info?f=json');
	const parse = (statusCode: number, body: string) => parseSiteInfo({statusCode, body}, url, new URL('https://h/arcgis/tokens/generateToken'));
	it('uses tokenServicesUrl as given, trailing slash or not', () => {
		const security = parse(200, JSON.stringify({authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: 'https://h/arcgis/tokens/'}}));
		assert.ok(security.tokenBased);
		assert.equal(security.tokenServicesUrl.href, 'https://h/arcgis/tokens/');
	});

	it('reports a site without token security', () => {
		assert.deepEqual(parse(200, JSON.stringify({authInfo: {isTokenBasedSecurity: false}})), {tokenBased: false});
	});

	for (const [name, status, body] of [
		['HTML', 200, '<!DOCTYPE html><html></html>'],
		['HTTP 500', 500, '{"currentVersion": 11}'],
		['invalid JSON', 200, '{"authInfo": '],
		['JSON without authInfo', 200, '{"currentVersion": 11.3}'],
		['an ArcGIS error', 200, '{"error":{"code":500,"message":"Internal"}}'],
	] as const) {
		it(`rejects ${name} with DISCOVERY_FAILED`, () => {
			assert.throws(
				() => parse(status, body),
				(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'DISCOVERY_FAILED',
			);
		});
	}
});

describe('token answers that no header or URL could carry', () => {
	const context = {url: new URL('https://gis.example.com/arcgis/tokens/generateToken'), refreshMarginMs: 120_000, now: Date.now(), secrets: []};

	for (const [what, token] of [
		['CR/LF (a header injection)', 'Abc123\r\nX-Injected: yes'],
		['a space', 'Abc 123'],
		['a NUL', 'Abc\u0000123'],
		['a non-ASCII character', 'Abc\u00e9123'],
	] as const) {
		it(`refuses a token with ${what}: TOKEN_SERVICE_ERROR, without repeating it`, () => {
			assert.throws(
				() => parseTokenResponse({statusCode: 200, body: JSON.stringify({token, expires: Date.now() + 3_600_000}), date: undefined}, context),
				(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'TOKEN_SERVICE_ERROR' && /characters no token has/.test(error.message) && !error.message.includes('Abc'),
			);
		});
	}
});
