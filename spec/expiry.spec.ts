import assert from 'node:assert/strict';
import got from 'got';
import sinon from 'sinon';
import {ArcGISServerTokenAuth} from '../lib/index.js';
import {FakeSite, useNock} from './helpers/fake-site.js';

const ORIGIN = 'https://gis.example.com';
const SERVICES = `${ORIGIN}/arcgis/rest/services?f=json`;

describe('token expiry', () => {
	useNock();
	let clock: sinon.SinonFakeTimers;
	beforeEach(() => {
		// Only the clock is faked: got's and nock's timers keep running for real.
		clock = sinon.useFakeTimers({now: Date.UTC(2026, 10, 28, 12), toFake: ['Date']});
	});
	afterEach(() => {
		clock.restore();
	});

	it('refreshes a 60-second token at most every 30 seconds', async () => {
		const site = new FakeSite(ORIGIN, {lifetimeMs: 60_000});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		// One request a second for two minutes.
		for (let second = 0; second < 120; second++) {
			await got(SERVICES, {hooks: auth.hooks});
			clock.tick(1000);
		}

		assert.equal(site.tokenCalls, 4, 'a call at 0 s, 30 s, 60 s and 90 s');
		assert.equal(site.resourceCalls.length, 120);
	});

	it('refreshes a 2-hour token 120 seconds before it expires, not sooner', async () => {
		const site = new FakeSite(ORIGIN, {lifetimeMs: 2 * 3_600_000});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(SERVICES, {hooks: auth.hooks});
		clock.tick(2 * 3_600_000 - 121_000);
		await got(SERVICES, {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 1, 'still valid 121 s before expiry');
		clock.tick(1000);
		await got(SERVICES, {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 2, 'refreshed 120 s before expiry');
	});

	it('honours refreshMargin', async () => {
		const site = new FakeSite(ORIGIN, {lifetimeMs: 3_600_000});
		const auth = new ArcGISServerTokenAuth('alice', 'right-password', {refreshMargin: 600});
		await got(SERVICES, {hooks: auth.hooks});
		clock.tick(3_600_000 - 601_000);
		await got(SERVICES, {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 1);
		clock.tick(2000);
		await got(SERVICES, {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 2);
	});

	it('reads expiry against the server clock when the local clock is hours off', async () => {
		const site = new FakeSite(ORIGIN);
		const serverNow = Date.now() + 5 * 3_600_000;
		site.tokenReplies.push({body: {token: 'skewed', expires: serverNow + 3_600_000}, headers: {date: new Date(serverNow).toUTCString()}});
		site.valid.add('skewed');
		const auth = new ArcGISServerTokenAuth('alice', 'right-password');
		await got(SERVICES, {hooks: auth.hooks});
		clock.tick(3_600_000 - 121_000);
		await got(SERVICES, {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 1, 'one hour of validity on the local clock too');
		clock.tick(2000);
		await got(SERVICES, {hooks: auth.hooks});
		assert.equal(site.tokenCalls, 2);
	});
});
