import assert from 'node:assert/strict';
import {hostname} from 'node:os';
import got from 'got';
import {ArcGISServerTokenAuth, TokenAuthenticationError} from '../lib/index.js';
import {PasswordCredential} from '../lib/credentials/password.js';
import {SamlLoginCredential, type SamlSession} from '../lib/credentials/saml-login.js';
import {resolveOptions} from '../lib/options.js';
import {fingerprint, fleetId, fleetKeys} from '../lib/store/fleet-keys.js';
import {Sealer} from '../lib/store/sealing.js';
import {decodeFailure, decodeToken, encodeFailure, encodeToken} from '../lib/store/stored-token.js';
import {isJudgedFailure} from '../lib/token/issued-token.js';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';
import {MemoryStore} from './helpers/memory-store.js';

const KEY = 'store-records-spec-key-0123456789abc';
const issued = {token: 'tok-abc.123', expires: new Date(Date.now() + 60_000), expiresAt: Date.now() + 60_000, refreshAt: Date.now() + 30_000, ssl: false};

describe('the fleet layer: keys, fingerprints, records and sealing', () => {
	describe('fleetId and fingerprint', () => {
		const identity = {who: ['password', 'alice', 'referer', 'got-arcgis-auth', ''], secret: 'S3cret-pass'};

		it('gives different ids for a different user, referer or token source, and none that contains them', () => {
			const base = fleetId('https://gis.example.com/arcgis/tokens/generatetoken', identity);
			const others = [
				fleetId('https://gis.example.com/arcgis/tokens/generatetoken', {...identity, who: ['password', 'bob', 'referer', 'got-arcgis-auth', '']}),
				fleetId('https://gis.example.com/arcgis/tokens/generatetoken', {...identity, who: ['password', 'alice', 'referer', 'other-app', '']}),
				fleetId('https://gis.example.com/portal/sharing/rest/generatetoken', identity),
			];
			assert.equal(new Set([base, ...others]).size, 4);
			assert.equal(fleetId('https://gis.example.com/arcgis/tokens/generatetoken', {...identity, secret: 'another-password'}), base, 'the password is not part of the id');
			assert.ok(![base, ...others].some(id => /alice|bob|gis|S3cret/.test(id)));
		});

		it('names a SAML session by portal, app, redirect URI, IdP user and lifetime, never its password; none without a username (Kerberos)', () => {
			const site = (root: string) => ({origin: new URL(new URL(root).origin), root});
			const identity = (session: Partial<SamlSession> = {}, root = 'https://gis.example.com/portal') =>
				new SamlLoginCredential(
					{clientId: 'app', username: 'CORP\\alice', password: 'pw-1', redirectUri: 'urn:ietf:wg:oauth:2.0:oob', ...session},
					resolveOptions({}),
					undefined as never,
				).fleetIdentity(site(root));
			const base = identity()!;
			assert.equal(base.secret, 'pw-1');
			assert.ok(!base.who.includes('pw-1'));
			assert.ok(base.state, 'its refresh token is shared');
			const ids = [
				base,
				identity({username: 'CORP\\bob'}),
				identity({clientId: 'other-app'}),
				identity({expiration: 60}),
				identity({redirectUri: 'http://127.0.0.1:9/cb'}),
				identity({}, 'https://other.example.com/portal'),
			].map(one => fleetId('https://gis.example.com/portal/sharing/rest/oauth2/token', one!));
			assert.equal(new Set(ids).size, 6);
			assert.equal(identity({password: 'another'})!.who.join(), base.who.join(), 'the password is the secret, not the identity');
			assert.equal(identity({username: undefined, password: undefined}), undefined, 'a Windows login shares nothing');
			assert.equal(
				new SamlLoginCredential({clientId: 'app', username: 'a', password: 'p', redirectUri: 'x'}, resolveOptions({}), undefined as never).fleetIdentity(undefined),
				undefined,
				'nor before the portal is known',
			);
		});

		it("shares a client: 'requestip' token only within this machine (its host name is in the identity), a referer-bound one everywhere", () => {
			const identity = (client: 'referer' | 'requestip') => new PasswordCredential('spec', 'alice', 'pw', resolveOptions({client}), undefined as never).fleetIdentity()!;
			assert.ok(identity('requestip').who.includes(hostname()));
			assert.ok(!identity('referer').who.includes(hostname()));
			assert.ok(!identity('referer').who.includes('pw') && identity('referer').secret === 'pw');
		});

		it('fingerprints a password slowly (scrypt), the same for the same password and source, different for another source', async () => {
			const started = Date.now();
			const first = await fingerprint('S3cret-pass', 'id-1');
			assert.ok(Date.now() - started >= 20, `a fingerprint in ${Date.now() - started} ms is a fast hash`);
			assert.equal(await fingerprint('S3cret-pass', 'id-1'), first);
			assert.notEqual(await fingerprint('S3cret-pass', 'id-2'), first);
			assert.notEqual(await fingerprint('S3cret-pasS', 'id-1'), first);
			assert.ok(!first.includes('S3cret'));
			assert.equal(fleetKeys('id-1', first).failure, `failure:{id-1}:${first}`);
			assert.equal(fleetKeys('id-1', undefined).failure, undefined);
		});
	});

	describe('records', () => {
		it('reads back a token record only for the fingerprint that wrote it', () => {
			const text = encodeToken({...issued, since: 1_796_145_100_000}, 'fp-1');
			assert.deepEqual(decodeToken(text, 'fp-1'), {...issued, since: 1_796_145_100_000});
			// A record of an older version has no since: as old as any revocation.
			assert.equal(decodeToken(encodeToken(issued, 'fp-1'), 'fp-1')?.since, 0);
			assert.equal(decodeToken(text, 'fp-2'), undefined);
			assert.equal(decodeToken(encodeToken(issued, undefined), undefined)?.token, issued.token);
		});

		it('takes nothing from a record that is not one: not JSON, wrong types, a token with a line break', () => {
			for (const text of [
				'not json',
				'{}',
				'{"v":2}',
				JSON.stringify({...JSON.parse(encodeToken(issued, 'f')), token: 'a\r\nb'}),
				JSON.stringify({...JSON.parse(encodeToken(issued, 'f')), expiresAt: 'soon'}),
				JSON.stringify({...JSON.parse(encodeToken(issued, 'f')), since: 'earlier'}),
				'null',
			]) {
				assert.equal(decodeToken(text, 'f'), undefined, text);
			}
		});

		it('keeps only judged refusals, and gives them back as judged TokenAuthenticationErrors', () => {
			const refused = new TokenAuthenticationError('INVALID_CREDENTIALS', 'refused the login: Invalid username or password.', {
				url: 'https://gis.example.com/arcgis/tokens/generateToken',
				arcgisError: {code: 400, message: 'Invalid username or password.'},
			});
			const text = encodeFailure(refused, Date.now() + 1000)!;
			const back = decodeFailure(text)!;
			assert.ok(back instanceof TokenAuthenticationError);
			assert.equal(back.code, 'INVALID_CREDENTIALS');
			assert.deepEqual(back.arcgisError, refused.arcgisError);
			assert.match(back.message, /Refused for a process sharing the token store/);
			assert.equal(encodeFailure(new TokenAuthenticationError('NETWORK_ERROR', 'connect ECONNREFUSED'), Date.now()), undefined, 'a network failure is not kept');
			assert.equal(decodeFailure(JSON.stringify({...JSON.parse(text), code: 'NETWORK_ERROR'})), undefined);
			assert.equal(decodeFailure('[]'), undefined);
		});

		it('keeps a refused enterprise login (SAML_LOGIN_FAILED, no ArcGIS error), and no other refusal without an ArcGIS error', () => {
			const refused = new TokenAuthenticationError('SAML_LOGIN_FAILED', 'idp.example.com showed its login form again: it refused the username or password.', {url: 'https://idp.example.com/login'});
			const text = encodeFailure(refused, Date.now() + 1000)!;
			const back = decodeFailure(text)!;
			assert.ok(back instanceof TokenAuthenticationError);
			assert.equal(back.code, 'SAML_LOGIN_FAILED');
			assert.equal(back.arcgisError, undefined);
			assert.equal(back.url, 'https://idp.example.com/login');
			assert.match(back.message, /refused the username or password\. \(Refused for a process sharing the token store/);
			assert.ok(isJudgedFailure(back), 'this process keeps it too');
			assert.equal(decodeFailure(JSON.stringify({...JSON.parse(text), code: 'INVALID_CREDENTIALS'})), undefined, 'an INVALID_CREDENTIALS without its ArcGIS error is no refusal');
		});
	});

	describe('Sealer (AES-256-GCM)', () => {
		it('opens what it sealed, for the same store key only, and nothing tampered', () => {
			const sealer = new Sealer([KEY]);
			const sealed = sealer.seal('token:{a}', 'secret value');
			assert.ok(!sealed.includes('secret'));
			assert.notEqual(sealer.seal('token:{a}', 'secret value'), sealed, 'a fresh IV each time');
			assert.equal(sealer.open('token:{a}', sealed), 'secret value');
			assert.equal(sealer.open('token:{b}', sealed), undefined);
			const parts = sealed.split('.');
			parts[3] = parts[3]!.startsWith('A') ? `B${parts[3]!.slice(1)}` : `A${parts[3]!.slice(1)}`;
			assert.equal(sealer.open('token:{a}', parts.join('.')), undefined);
			assert.equal(sealer.open('token:{a}', 'plain'), undefined);
		});

		it('rotates: the first key seals, every key opens', () => {
			const old = new Sealer([KEY]);
			const rotated = new Sealer([Buffer.alloc(32, 7), KEY]);
			assert.equal(rotated.open('k', old.seal('k', 'v')), 'v');
			assert.equal(old.open('k', rotated.seal('k', 'v')), undefined);
		});

		it('refuses a key shorter than 32 characters or bytes, naming which, never its value', () => {
			assert.throws(
				() => new Sealer(['short-Key-9']),
				(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION' && !error.message.includes('short-Key-9'),
			);
			assert.throws(() => new Sealer([KEY, Buffer.alloc(16)]), /encryptionKey\[1\]/);
			assert.throws(() => new Sealer([]), /encryptionKey must be given/);
		});
	});

	describe('a store that answers garbage', () => {
		withoutNock();
		const emu = useEmulator();

		it('is no token: the handler logs in, and the request succeeds', async () => {
			const store = new MemoryStore();
			await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: new ArcGISServerTokenAuth('demo', 'demo1234', {store}).hooks}).json();
			for (const [key, entry] of store.values) {
				store.values.set(key, {...entry, value: '{"v":1,"token":"x\\r\\ny"}'});
			}

			const body = await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: new ArcGISServerTokenAuth('demo', 'demo1234', {store}).hooks}).json<{services?: unknown[]}>();
			assert.ok(Array.isArray(body.services));
			assert.equal(emu.stats.counts['server.generateToken'], 2);
		});
	});
});
