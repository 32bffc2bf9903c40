import assert from 'node:assert/strict';
import {ArcGISPortalSAMLAuth, TokenAuthenticationError, createSession, type IdpStep} from '../lib/index.js';
import {SAML_PASSWORD, SAML_USER, useFakeSamlSite} from './helpers/fake-saml-site.js';
import {withoutNock} from './helpers/local-site.js';
import {MemoryStore} from './helpers/memory-store.js';

const WRONG = 'Wr0ng-Saml-Passw0rd';
const sleep = async (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

// Handlers that share one store stand for processes that share a Redis: each has its own session,
// token sources and single flight, so only the store can make them sign in once.
describe('option store with ArcGISPortalSAMLAuth: a fleet shares one enterprise login', function () {
	this.timeout(20_000);
	withoutNock();
	const site = useFakeSamlSite();

	const handler = (store: MemoryStore, options: Record<string, unknown> = {}) =>
		new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl, username: SAML_USER, password: SAML_PASSWORD, store, ...options});
	const self = async (auth: ArcGISPortalSAMLAuth) => createSession({auth}).get(`${site.portalUrl}/sharing/rest/community/self?f=json`).json<{username?: string}>();
	const refusedAtIdp = (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'SAML_LOGIN_FAILED' && !error.message.includes(WRONG);

	it('lets two handlers of the same user share one enterprise login, with no password or user name in the store', async () => {
		const store = new MemoryStore();
		const fleet = [handler(store), handler(store)];
		assert.deepEqual(
			(await Promise.all(fleet.map(self))).map(answer => answer.username),
			[SAML_USER, SAML_USER],
		);
		assert.equal(site.counts.logins, 1);
		assert.equal(site.counts.formPosts, 1, 'one visit to the identity provider');
		assert.equal(fleet[0]!.token, fleet[1]!.token);
		assert.equal(store.keys('state').length, 1, 'the session (its refresh token) is shared');
		for (const [key, {value}] of store.values) {
			assert.ok(!key.includes(SAML_USER) && !key.includes('saml-app'), `key ${key} names the user or the app`);
			assert.ok(!value.includes(SAML_PASSWORD), `a password under ${key}`);
		}
	});

	it('shares the federated server’s token too: one exchange at the portal for the fleet', async () => {
		const store = new MemoryStore();
		const fleet = [handler(store), handler(store), handler(store)];
		const server = `${site.portalUrl.replace(/\/portal$/, '/server')}/rest/services?f=json`;
		const answers = await Promise.all(fleet.map(async auth => createSession({auth}).get(server).json<{services?: unknown[]}>()));
		assert.ok(answers.every(answer => Array.isArray(answer.services)));
		assert.equal(site.counts.logins, 1);
		assert.equal(site.serverTokens, 1);
		assert.equal(store.keys('token').length, 2, 'the portal’s access token and the server’s token');
		assert.equal(new Set(await Promise.all(fleet.map(async auth => auth.getToken(server)))).size, 1);
	});

	it('hands a refresh token one handler renewed (the old one is dead) to the other, which goes on without a login', async () => {
		// Under a day left: the next refresh renews the refresh token (exchange_refresh_token).
		site.refreshLifetimeSeconds = 3600;
		site.accessLifetimeSeconds = 2;
		const store = new MemoryStore();
		const [first, second] = [handler(store), handler(store)];
		await self(first);
		const signedIn = first.refreshToken;
		// The access token is due after half of its 2 s: the first refreshes for the fleet, and renews.
		await sleep(1100);
		await self(first);
		assert.equal(site.renewals, 1);
		assert.notEqual(first.refreshToken, signedIn);
		// The second takes the stored access token, or (once it is due) the stored session.
		assert.equal((await self(second)).username, SAML_USER);
		await sleep(1100);
		assert.equal((await self(second)).username, SAML_USER);
		assert.equal(second.refreshToken, first.refreshToken, 'the second took the renewed refresh token from the store');
		assert.equal(site.renewals, 1, 'the renewed one lives two weeks: no second renewal');
		assert.equal(site.counts.logins, 1, 'no enterprise login: the dead refresh token would have been refused, and led to one');
		assert.equal(site.counts.formPosts, 1);
		assert.ok(site.counts.refreshes >= 1, 'the second refreshed with the renewed one');
	});

	it('makes one new enterprise login when the portal refuses the shared refresh token, and hands its session to the others', async () => {
		site.accessLifetimeSeconds = 2;
		const store = new MemoryStore();
		const [first, second] = [handler(store), handler(store)];
		await self(first);
		// Revoked at the portal (the access token lives on in the fake): the stored session is dead.
		await first.signOut();
		assert.equal(first.refreshToken, undefined);
		await sleep(1100);
		assert.equal((await self(second)).username, SAML_USER, 'the second took the dead session, was refused, and logged in for the fleet');
		assert.equal(site.counts.logins, 2);
		await sleep(1100);
		assert.equal((await self(first)).username, SAML_USER);
		assert.equal(first.refreshToken, second.refreshToken, 'the first took the new session from the store');
		assert.equal(site.counts.logins, 2, 'no third login');
		assert.equal(site.counts.formPosts, 2);
	});

	it('makes one attempt at the identity provider for 3 handlers with the same wrong password; another password is not blocked', async () => {
		const store = new MemoryStore();
		const results = await Promise.allSettled([1, 2, 3].map(async () => self(handler(store, {password: WRONG}))));
		assert.ok(results.every(result => result.status === 'rejected' && refusedAtIdp(result.reason)));
		assert.equal(site.counts.formPosts, 1);
		await assert.rejects(self(handler(store, {password: WRONG})), (error: unknown) => refusedAtIdp(error) && /Refused for a process sharing the token store/.test((error as Error).message));
		assert.equal(site.counts.formPosts, 1, 'a later handler with that password makes no attempt either');
		assert.equal((await self(handler(store))).username, SAML_USER);
		assert.equal(site.counts.formPosts, 2, 'the right password logs in');
		for (const {value} of store.values.values()) {
			assert.ok(!value.includes(WRONG) && !value.includes(SAML_PASSWORD), 'a password in the store');
		}
	});

	it('gives a handler with a wrong password neither the token nor the session that the right one obtained', async () => {
		const store = new MemoryStore();
		await self(handler(store));
		await assert.rejects(self(handler(store, {password: WRONG})), refusedAtIdp);
		assert.equal(site.counts.formPosts, 2, 'the wrong password made its own attempt');
		assert.equal(site.counts.refreshes, 0, 'and did not use the stored refresh token');
		assert.equal(site.counts.logins, 1);
	});

	it('shares nothing for a login without a username (Kerberos, or a step of your own): the ticket is the user', async () => {
		const idpStep: IdpStep = page => {
			const state = page.forms[0]?.fields.find(field => field.name === 'AuthState')?.value;
			return page.url.pathname === '/sso' ? {url: '/login', form: {AuthState: state ?? '', UserName: SAML_USER, Password: SAML_PASSWORD}} : undefined;
		};
		const store = new MemoryStore();
		const fleet = [0, 1].map(() => new ArcGISPortalSAMLAuth('saml-app', {portal: site.portalUrl, idpStep, store}));
		await Promise.all(fleet.map(self));
		assert.equal(site.counts.logins, 2, 'each made its own login');
		assert.equal(store.values.size, 0);
		assert.deepEqual(store.calls, [], 'the store is not even asked');
	});
});
