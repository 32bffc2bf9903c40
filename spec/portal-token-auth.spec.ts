import assert from 'node:assert/strict';
import got from 'got';
import {ArcGISPortalTokenAuth, createSession} from '../lib/index.js';
import {FakeSite, useNock} from './helpers/fake-site.js';

describe('ArcGISPortalTokenAuth', () => {
	useNock();

	it('gets tokens from {root}/sharing/rest/generateToken without a discovery call', async () => {
		const site = new FakeSite('https://gis.example.com', {root: '/portal'});
		const auth = new ArcGISPortalTokenAuth('alice', 'right-password');
		const s = createSession({auth});
		assert.deepEqual(await s.get('https://gis.example.com/portal/sharing/rest/portals/self?f=json').json(), {ok: true});
		assert.equal(site.infoCalls, 0);
		assert.deepEqual(
			site.tokenRequests.map(request => request.path),
			['/portal/sharing/rest/generateToken'],
		);
		assert.equal(site.tokenRequests[0]?.form.get('client'), 'referer');
	});

	for (const origin of ['https://www.arcgis.com', 'https://myorg.maps.arcgis.com']) {
		it(`uses the origin as the root for ArcGIS Online (${origin})`, async () => {
			const site = new FakeSite(origin, {root: ''});
			const auth = new ArcGISPortalTokenAuth('alice', 'right-password');
			await got(`${origin}/sharing/rest/content/users/alice?f=json`, {hooks: auth.hooks});
			assert.deepEqual(
				site.tokenRequests.map(request => request.path),
				['/sharing/rest/generateToken'],
			);
			assert.equal(auth.site?.root, origin);
		});
	}

	it('takes the instance option for a portal whose URLs do not show it', async () => {
		const site = new FakeSite('https://gis.example.com', {root: '/gisportal'});
		const auth = new ArcGISPortalTokenAuth('alice', 'right-password', {instance: 'gisportal'});
		await got('https://gis.example.com/gisportal/home/content.html', {hooks: auth.hooks, throwHttpErrors: false});
		assert.deepEqual(
			site.tokenRequests.map(request => request.path),
			['/gisportal/sharing/rest/generateToken'],
		);
	});

	it('refreshes a revoked portal token once', async () => {
		const site = new FakeSite('https://gis.example.com', {root: '/portal'});
		const auth = new ArcGISPortalTokenAuth('alice', 'right-password');
		const url = 'https://gis.example.com/portal/sharing/rest/community/self?f=json';
		await got(url, {hooks: auth.hooks});
		site.valid.clear();
		assert.deepEqual(await got(url, {hooks: auth.hooks}).json(), {ok: true});
		assert.equal(site.tokenCalls, 2);
	});
});
