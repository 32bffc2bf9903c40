import assert from 'node:assert/strict';
import {deriveSiteRoot, isAdminUrl} from '../lib/site/site-root.js';
import {isLoopbackHost, assertSecureTransport} from '../lib/site/transport.js';
import {isSameOriginOrUpgrade} from '../lib/site/origin-policy.js';
import {redactUrl} from '../lib/site/redact.js';
import {TokenAuthenticationError} from '../lib/index.js';

describe('site root derivation', () => {
	const cases: Array<[string, string]> = [
		['https://h/arcgis/rest/services?f=json', 'https://h/arcgis'],
		['https://h:6443/arcgis/admin/services', 'https://h:6443/arcgis'],
		['https://services3.arcgis.com/AbC123/arcgis/rest/services/x/FeatureServer/0', 'https://services3.arcgis.com/AbC123/arcgis'],
		['https://h/tiles/0123abcd/arcgis/rest/services/t/MapServer', 'https://h/tiles/0123abcd/arcgis'],
		['https://h/server/rest/services', 'https://h/server'],
		['https://h/portal/sharing/rest/portals/self', 'https://h/portal'],
		['https://www.arcgis.com/sharing/rest/generateToken', 'https://www.arcgis.com'],
		['https://org.maps.arcgis.com/sharing/rest?f=json', 'https://org.maps.arcgis.com'],
		['https://h/arcgis/tokens/generateToken', 'https://h/arcgis'],
		['https://h/ArcGIS/REST/services', 'https://h/ArcGIS'],
		['https://h/arcgis/%72est/services', 'https://h/arcgis'],
		['https://h/administration/arcgis/rest/info', 'https://h/administration/arcgis'],
		['https://h/restful/arcgis/rest/info', 'https://h/restful/arcgis'],
		['https://h/arcgis/', 'https://h/arcgis'],
		['https://h/', 'https://h'],
	];
	for (const [url, root] of cases) {
		it(`cuts ${url} to ${root}`, () => {
			assert.equal(deriveSiteRoot(new URL(url)), root);
		});
	}

	it('takes the instance option over the path, and "" as the origin', () => {
		assert.equal(deriveSiteRoot(new URL('https://h/a/b/rest/info'), 'server'), 'https://h/server');
		assert.equal(deriveSiteRoot(new URL('https://h/a/sharing/rest'), ''), 'https://h');
		assert.equal(deriveSiteRoot(new URL('https://h/x'), '/gis/'), 'https://h/gis');
	});

	it('recognises admin URLs by whole segment, any case', () => {
		assert.equal(isAdminUrl(new URL('https://h/arcgis/admin/services'), 'https://h/arcgis'), true);
		assert.equal(isAdminUrl(new URL('https://h/arcgis/ADMIN'), 'https://h/arcgis'), true);
		assert.equal(isAdminUrl(new URL('https://h/arcgis/administration/x'), 'https://h/arcgis'), false);
		assert.equal(isAdminUrl(new URL('https://h/arcgis/rest/admin'), 'https://h/arcgis'), false);
	});
});

describe('transport rule', () => {
	it('treats localhost, *.localhost, 127.0.0.0/8 and [::1] as loopback, by name only', () => {
		for (const host of ['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.9.8.7', '[::1]', 'localhost.']) {
			assert.equal(isLoopbackHost(host), true, host);
		}

		for (const host of ['example.com', '10.0.0.1', '128.0.0.1', 'localhost.example.com', '127.0.0.1.nip.io', '[::2]']) {
			assert.equal(isLoopbackHost(host), false, host);
		}
	});

	it('refuses http to other hosts unless allowHttp, and http anywhere for ssl-only tokens', () => {
		const remote = new URL('http://gis.example.com/arcgis/rest/services');
		assert.throws(
			() => assertSecureTransport(remote, 'a token', {allowHttp: false}),
			(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INSECURE_TRANSPORT' && /allowHttp: true/.test(error.message),
		);
		assert.doesNotThrow(() => assertSecureTransport(remote, 'a token', {allowHttp: true}));
		assert.doesNotThrow(() => assertSecureTransport(new URL('http://127.0.0.1:6080/arcgis'), 'credentials', {allowHttp: false}));
		assert.doesNotThrow(() => assertSecureTransport(new URL('https://gis.example.com/'), 'credentials', {allowHttp: false, sslOnly: true}));
		assert.throws(() => assertSecureTransport(new URL('http://localhost/arcgis'), 'a token', {allowHttp: true, sslOnly: true}), /HTTPS-only/);
	});
});

describe('redirect origin policy', () => {
	const from = (url: string) => new URL(url);
	it('allows the same origin and an http→https upgrade of the same host on any port', () => {
		assert.equal(isSameOriginOrUpgrade(from('https://h/arcgis'), from('https://h/other')), true);
		assert.equal(isSameOriginOrUpgrade(from('http://h:6080/arcgis'), from('https://h:6443/arcgis')), true);
		assert.equal(isSameOriginOrUpgrade(from('http://H/a'), from('https://h/a')), true);
	});

	it('refuses another host, another port, and a downgrade', () => {
		assert.equal(isSameOriginOrUpgrade(from('https://h/a'), from('https://evil.example/a')), false);
		assert.equal(isSameOriginOrUpgrade(from('https://h/a'), from('https://h:8443/a')), false);
		assert.equal(isSameOriginOrUpgrade(from('https://h/a'), from('http://h/a')), false);
		assert.equal(isSameOriginOrUpgrade(from('http://h/a'), from('https://h.evil.example/a')), false);
	});
});

describe('redactUrl', () => {
	it('removes token, password and user info from URLs used in messages', () => {
		const text = redactUrl('https://user:pw@h/arcgis/rest/services?f=json&token=SECRET&password=P4ss');
		assert.doesNotMatch(text, /SECRET|P4ss|user:pw/);
		assert.match(text, /f=json/);
	});
});
