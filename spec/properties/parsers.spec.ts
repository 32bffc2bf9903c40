import assert from 'node:assert/strict';
import fc from 'fast-check';
import {deriveSiteRoot} from '../../lib/site/site-root.js';
import {parseChallenges} from '../../lib/web-tier/www-authenticate.js';
import {parseTokenResponse} from '../../lib/token/issued-token.js';
import {readArcGISError} from '../../lib/token/arcgis-error.js';
import {TokenAuthenticationError} from '../../lib/index.js';

const segment = fc.oneof(
	fc.constantFrom('arcgis', 'rest', 'REST', 'admin', 'Admin', 'sharing', 'tokens', 'administration', 'restful', 'services', 'MapServer', '0', 'query', '%72est', 'a%2Fb', 'é', '%C3%A9', 'x y', ''),
	fc.string({maxLength: 12}),
);
const url = fc
	.record({
		scheme: fc.constantFrom('http', 'https', 'HTTP', 'HtTpS'),
		host: fc.oneof(fc.domain(), fc.ipV4(), fc.constant('[::1]'), fc.constant('LOCALHOST')),
		port: fc.option(fc.integer({min: 1, max: 65_535}), {nil: undefined}),
		path: fc.array(segment, {maxLength: 8}),
		query: fc.option(fc.webQueryParameters(), {nil: undefined}),
	})
	.map(({scheme, host, port, path, query}) => {
		const text = `${scheme}://${host}${port === undefined ? '' : `:${port}`}/${path.map(item => encodeURI(item)).join('/')}${query === undefined ? '' : `?${query}`}`;
		return new URL(text);
	});

describe('properties: site root derivation', () => {
	it('never throws, and the root is a prefix of origin + path, without a trailing slash', () => {
		fc.assert(
			fc.property(url, target => {
				const root = deriveSiteRoot(target);
				const full = `${target.origin}${target.pathname}`;
				assert.ok(full.startsWith(root), `${root} is not a prefix of ${full}`);
				assert.ok(root.startsWith(target.origin));
				assert.ok(!root.endsWith('/'), root);
			}),
			{numRuns: 2000},
		);
	});

	it('cuts exactly before the first whole API segment, whatever its case', () => {
		fc.assert(
			fc.property(url, fc.constantFrom('rest', 'ADMIN', 'Sharing', 'tokens'), fc.array(fc.constantFrom('arcgis', 'org1', 'tiles', 'x-y'), {minLength: 1, maxLength: 3}), (base, marker, prefix) => {
				const target = new URL(`${base.origin}/${prefix.join('/')}/${marker}/services?f=json`);
				assert.equal(deriveSiteRoot(target), `${base.origin}/${prefix.join('/')}`);
			}),
		);
	});

	it('puts an instance directly under the origin', () => {
		fc.assert(
			fc.property(url, fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), (target, instance) => {
				assert.equal(deriveSiteRoot(target, instance), `${target.origin}/${instance}`);
				assert.equal(deriveSiteRoot(target, ''), target.origin);
			}),
		);
	});
});

describe('properties: WWW-Authenticate parsing', () => {
	const scheme = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,11}$/);
	const token68 = fc.stringMatching(/^[A-Za-z0-9+/]{1,40}={0,2}$/);
	const paramValue = fc.string({maxLength: 20}).map(value => value.replaceAll(/[\\"\p{Cc}]/gu, ''));
	const challenge = fc
		.record({
			scheme,
			token: fc.option(token68, {nil: undefined}),
			params: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), paramValue, {maxKeys: 3}),
		})
		.map(item => (item.token === undefined ? item : {...item, params: {}}));

	it('is total: any string parses without throwing', () => {
		fc.assert(
			fc.property(fc.string({maxLength: 200}), value => {
				assert.ok(Array.isArray(parseChallenges(value)));
			}),
			{numRuns: 3000},
		);
	});

	it('round-trips challenges joined into one header, as Node joins repeated headers', () => {
		fc.assert(
			fc.property(fc.array(challenge, {minLength: 1, maxLength: 4}), challenges => {
				const header = challenges
					.map(item => {
						if (item.token !== undefined) {
							return `${item.scheme} ${item.token}`;
						}

						const params = Object.entries(item.params)
							.map(([name, value]) => `${name}="${value}"`)
							.join(', ');
						return params === '' ? item.scheme : `${item.scheme} ${params}`;
					})
					.join(', ');
				const parsed = parseChallenges(header);
				assert.deepEqual(
					parsed.map(item => item.scheme),
					challenges.map(item => item.scheme.toLowerCase()),
				);
				for (const [index, item] of challenges.entries()) {
					assert.equal(parsed[index]?.token, item.token);
					assert.deepEqual({...parsed[index]?.params}, {...item.params});
				}
			}),
			{numRuns: 1000},
		);
	});
});

describe('properties: generateToken and error parsing', () => {
	const context = {url: new URL('https://h/arcgis/tokens/generateToken'), refreshMarginMs: 120_000, now: Date.UTC(2026, 0, 1), secrets: ['canary-password']};

	it('is total: any body and status give a token or a TokenAuthenticationError, never anything else', () => {
		const body = fc.oneof(
			fc.string({maxLength: 100}),
			fc.json(),
			fc.jsonValue().map(value => JSON.stringify(value)),
		);
		fc.assert(
			fc.property(fc.integer({min: 100, max: 599}), body, (statusCode, text) => {
				try {
					const token = parseTokenResponse({statusCode, body: text, date: undefined}, context);
					assert.ok(token.token.length > 0);
					assert.ok(token.refreshAt <= token.expiresAt);
				} catch (error: unknown) {
					assert.ok(error instanceof TokenAuthenticationError, String(error));
					assert.ok(!error.message.includes('canary-password'));
				}
			}),
			{numRuns: 3000},
		);
	});

	it('round-trips a token and its expiry, as a number or as a string', () => {
		fc.assert(
			fc.property(fc.stringMatching(/^[A-Za-z0-9._-]{1,64}$/), fc.integer({min: 1, max: 10 * 365 * 24 * 3600}), fc.boolean(), fc.boolean(), (token, seconds, asString, ssl) => {
				const expires = context.now + seconds * 1000;
				const parsed = parseTokenResponse({statusCode: 200, body: JSON.stringify({token, expires: asString ? String(expires) : expires, ssl}), date: undefined}, context);
				assert.equal(parsed.token, token);
				assert.equal(parsed.expires?.getTime(), expires);
				assert.equal(parsed.ssl, ssl);
				assert.ok(parsed.refreshAt >= context.now + (seconds * 1000) / 2);
			}),
		);
	});

	it('reads any JSON value without throwing', () => {
		fc.assert(
			fc.property(fc.jsonValue(), value => {
				readArcGISError(value);
			}),
			{numRuns: 2000},
		);
	});
});
