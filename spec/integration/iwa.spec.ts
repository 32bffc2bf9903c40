import assert from 'node:assert/strict';
import got, {type Got, type Response} from 'got';
import sinon from 'sinon';
import {ArcGISPortalAuth, ArcGISServerAuth, TokenAuthenticationError, createSession, type AuthHooks} from '../../lib/index.js';
import {findKerberos, forgetKerberosModule} from '../../lib/web-tier/kerberos.js';
import {DEFAULT_NTLM_CONNECTIONS} from '../../lib/web-tier/ntlm-login.js';
import {withoutNock} from '../helpers/local-site.js';
import {HOW_TO_ENABLE, dnsLookup, iwa, kdcRequestsFor, readAccessLog, settleLog, type LogLine} from './iwa-env.js';

type Client = (auth: {hooks: AuthHooks}) => Got;
// The same suite runs through a session and through plain got with the handler's hooks.
const clients: Array<[string, Client]> = [
	['createSession', auth => createSession({auth}).extend({dnsLookup, retry: {limit: 0}})],
	['got(url, {hooks})', auth => got.extend({hooks: auth.hooks, dnsLookup, retry: {limit: 0}})],
];

async function logOf(action: () => Promise<void>): Promise<LogLine[]> {
	await settleLog();
	const {size} = readAccessLog();
	await action();
	await settleLog();
	return readAccessLog(size).lines;
}

describe('IWA integration (real KDC, Apache mod_auth_gssapi, gss-ntlmssp)', function () {
	this.timeout(60_000);
	withoutNock();
	before(function () {
		forgetKerberosModule();
		if (!iwa) {
			console.log(`    ${HOW_TO_ENABLE}`);
			this.skip();
		}
	});

	for (const [style, client] of clients) {
		describe(`through ${style}`, () => {
			describe('Kerberos', () => {
				before(async function () {
					if (!(await findKerberos())) {
						console.log('    Kerberos specs skipped: the optional kerberos package is not installed (scripts/iwa/kerberos-module.sh).');
						this.skip();
					}
				});

				it('signs on with the ticket cache and no credentials: ArcGISServerAuth', async () => {
					const response = await client(new ArcGISServerAuth())(`${iwa!.base}/kerberos/arcgis/rest/services?f=json`);
					assert.equal(response.statusCode, 200);
					assert.equal(response.headers['x-remote-user'], 'alice@EXAMPLE.TEST');
					assert.equal((JSON.parse(response.body) as {services: Array<{name: string}>}).services[0]?.name, 'SampleWorldCities');
				});

				it('signs on with the ticket cache and no credentials: ArcGISPortalAuth', async () => {
					const body = await client(new ArcGISPortalAuth())(`${iwa!.base}/kerberos/portal/sharing/rest/portals/self?f=json`).json<{user: {username: string}}>();
					assert.equal(body.user.username, 'alice@EXAMPLE.TEST');
				});

				// /kerberos wants a token on every request: besides the anonymous probe, the one request
				// sent without a token on an authenticated connection (to learn that) is refused once.
				it('costs at most two 401s for 100 sequential requests on a location that wants a token per request', async () => {
					const http = client(new ArcGISServerAuth());
					const lines = await logOf(async () => {
						for (let index = 0; index < 100; index++) {
							await http(`${iwa!.base}/kerberos/arcgis/rest/services?f=json`);
						}
					});
					const served = lines.filter(line => line.path.endsWith('/rest/services') && line.status !== 401);
					assert.equal(served.length, 100);
					assert.ok(served.every(line => line.status === 200 && line.user === 'alice@EXAMPLE.TEST'));
					const unauthorized = lines.filter(line => line.status === 401).length;
					assert.ok(unauthorized <= 2, `${unauthorized} 401s`);
					console.log(`      measured: ${unauthorized} 401 for 100 Kerberos requests`);
				});

				// /kerberos-bound keeps the authentication for the connection (GssapiConnectionBound On, as
				// IIS does by default): one token per connection, later requests on it without one.
				it('costs at most one Kerberos token per connection for 100 sequential requests on a connection-bound location', async () => {
					const kerberos = (await findKerberos())!;
					const contexts = sinon.spy(kerberos, 'initializeClient');
					try {
						const http = client(new ArcGISServerAuth(undefined, undefined, {mutualAuth: 'required'}));
						const lines = await logOf(async () => {
							for (let index = 0; index < 100; index++) {
								await http(`${iwa!.base}/kerberos-bound/arcgis/rest/services?f=json`);
							}
						});
						const served = lines.filter(line => line.path.endsWith('/rest/services') && line.status === 200);
						assert.equal(served.length, 100);
						assert.ok(served.every(line => line.user === 'alice@EXAMPLE.TEST'));
						const connections = new Set(served.map(line => line.port)).size;
						assert.ok(contexts.callCount <= connections, `${contexts.callCount} Kerberos tokens on ${connections} connection(s)`);
						const unauthorized = lines.filter(line => line.status === 401).length;
						assert.ok(unauthorized <= 1, `${unauthorized} 401s (the anonymous probe only)`);
						console.log(`      measured: ${contexts.callCount} Kerberos token(s) on ${connections} connection(s), ${unauthorized} 401 for 100 requests`);
					} finally {
						contexts.restore();
					}
				});

				it('verifies the mutual-authentication token under mutualAuth: required', async () => {
					const response = await client(new ArcGISServerAuth(undefined, undefined, {mutualAuth: 'required'}))(`${iwa!.base}/kerberos/arcgis/rest/info?f=json`);
					assert.equal(response.statusCode, 200);
					assert.match(String(response.headers['www-authenticate']), /^Negotiate \S+/);
				});

				for (const location of ['kerberos', 'kerberos-bound']) {
					it(`rejects a tampered mutual-authentication token under mutualAuth: required (/${location})`, async () => {
						const auth = new ArcGISServerAuth(undefined, undefined, {mutualAuth: 'required'});
						// A hook before the handler's flips bytes of the server's real token.
						const tamper = got
							.extend({
								dnsLookup,
								retry: {limit: 0},
								hooks: {
									afterResponse: [
										response => {
											for (let index = 0; index + 1 < response.rawHeaders.length; index += 2) {
												const value = response.rawHeaders[index + 1]!;
												if (response.rawHeaders[index]!.toLowerCase() === 'www-authenticate' && value.startsWith('Negotiate ')) {
													const bytes = Buffer.from(value.slice(10), 'base64');
													bytes.writeUInt8(bytes.readUInt8(bytes.length - 8) ^ 0xff, bytes.length - 8);
													response.rawHeaders[index + 1] = `Negotiate ${bytes.toString('base64')}`;
												}
											}

											return response;
										},
									],
								},
							})
							.extend({hooks: auth.hooks});
						const services = `${iwa!.base}/${location}/arcgis/rest/services?f=json`;
						const refused = (error: unknown) => error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED' && /mutual authentication failed/.test(error.message);
						await assert.rejects(tamper(services), refused);
						// The connection that failed to prove itself is never trusted: the next request is checked again.
						await assert.rejects(tamper(services), refused);
					});
				}
			});

			// Issue 12, item 5: a domain user with a ticket (the normal state on Windows) on a site whose
			// SPN the KDC does not know. Reached by IP address, the client asks for HTTP/127.0.0.1, which
			// has no principal: Kerberos fails at the KDC, and NTLM must take over for every request.
			describe('Kerberos ticket, site whose SPN the KDC does not know: NTLM', () => {
				let principal = '';
				// What one failing Kerberos initialisation costs at the KDC (libkrb5 may ask more than once).
				let perAttempt = 0;
				before(async function () {
					const kerberos = await findKerberos();
					if (!kerberos || !iwa!.unknownSpnBase || !iwa!.kdcLog) {
						console.log('    unknown-SPN specs skipped: they need the kerberos package (scripts/iwa/kerberos-module.sh) and an env from the current up.sh.');
						this.skip();
					}

					const host = new URL(iwa!.unknownSpnBase).hostname;
					principal = `HTTP/${host}@${iwa!.realm}`;
					const before = kdcRequestsFor(principal);
					const context = await kerberos.initializeClient(`HTTP@${host}`, {mechOID: kerberos.GSS_MECH_OID_SPNEGO});
					await assert.rejects(context.step(''), /not found in Kerberos database/, 'the KDC must not know the SPN (scripts/iwa/up.sh)');
					perAttempt = kdcRequestsFor(principal) - before;
					assert.ok(perAttempt >= 1);
				});

				for (const [name, make, path, probe] of [
					['ArcGISServerAuth', (user: string, password: string) => new ArcGISServerAuth(user, password), '/ntlm/arcgis/rest/services', '/ntlm/arcgis/rest/info'],
					['ArcGISPortalAuth', (user: string, password: string) => new ArcGISPortalAuth(user, password), '/ntlm/portal/sharing/rest/portals/self', '/ntlm/portal/sharing/rest/info'],
				] as const) {
					for (const count of [1, 20, 100]) {
						it(`${name}(user, password): ${count === 1 ? '1 first request succeeds' : `${count} concurrent first requests all succeed`} with NTLM, after one Kerberos attempt`, async () => {
							const user = `${iwa!.domain}\\${iwa!.user}`;
							const http = client(make(user, iwa!.password));
							const kdcBefore = kdcRequestsFor(principal);
							// All settled before anything is asserted: no request of a failing spec may still be
							// talking to the KDC or Apache while the next spec counts.
							let results: Array<PromiseSettledResult<Response>> = [];
							const lines = await logOf(async () => {
								results = await Promise.allSettled(Array.from({length: count}, async () => http(`${iwa!.unknownSpnBase}${path}?f=json`)));
							});
							const outcome = (result: PromiseSettledResult<Response>) =>
								result.status === 'fulfilled' ? `${result.value.statusCode} ${String(result.value.headers['x-remote-user'])}` : (result.reason as Error).message;
							const tally: Record<string, number> = {};
							for (const result of results) {
								tally[outcome(result)] = (tally[outcome(result)] ?? 0) + 1;
							}

							assert.deepEqual(tally, {[`200 ${user}`]: count});
							// The concurrent first requests waited for one attempt instead of each asking the KDC.
							const kdc = kdcRequestsFor(principal) - kdcBefore;
							assert.equal(kdc, perAttempt, `${kdc} ticket requests for ${principal}, ${perAttempt} per attempt`);
							assert.deepEqual(
								lines.filter(line => line.path === probe).map(line => line.status),
								[401],
								'one anonymous probe',
							);
							const resource = lines.filter(line => line.path === path);
							const served = resource.filter(line => line.status === 200);
							const challenged = resource.filter(line => line.status === 401);
							assert.equal(served.length, count);
							assert.equal(resource.length, count + challenged.length, 'nothing but handshakes and answers');
							// Each 401 is a Type 1 answered on a connection that then served: no split handshake,
							// no failed login, no Kerberos token sent; at most one handshake per pooled connection.
							const connections = new Set(served.map(line => line.port));
							assert.ok(
								challenged.every(line => connections.has(line.port)),
								'every handshake completed on its connection',
							);
							assert.ok(challenged.length >= 1 && challenged.length <= Math.min(count, DEFAULT_NTLM_CONNECTIONS), `${challenged.length} handshakes`);
							console.log(`      measured: ${challenged.length} NTLM handshake(s) on ${connections.size} connection(s), ${kdc} KDC request(s) for ${principal}`);
						});
					}
				}
			});

			describe('NTLM', () => {
				it('logs in as DOMAIN\\user', async () => {
					const response = await client(new ArcGISServerAuth(`${iwa!.domain}\\${iwa!.user}`, iwa!.password))(`${iwa!.base}/ntlm/arcgis/rest/services?f=json`);
					assert.equal(response.statusCode, 200);
					assert.equal(response.headers['x-remote-user'], `${iwa!.domain}\\${iwa!.user}`);
				});

				it('logs in as user@domain (portal)', async () => {
					const body = await client(new ArcGISPortalAuth(`${iwa!.user}@example.test`, iwa!.password))(`${iwa!.base}/ntlm/portal/sharing/rest/portals/self?f=json`).json<{name: string}>();
					assert.equal(body.name, 'IWA Portal');
				});

				it('fails with WEB_TIER_FAILED on a wrong password: one login, then no traffic for later requests', async () => {
					const http = client(new ArcGISServerAuth(`${iwa!.domain}\\${iwa!.user}`, 'not-the-password'));
					const rejected = (error: unknown) =>
						error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED' && /rejected/.test(error.message) && !error.message.includes('not-the-password');
					const first = await logOf(async () => {
						await assert.rejects(http(`${iwa!.base}/ntlm/arcgis/rest/services?f=json`), rejected);
					});
					// Type 1 → 401 and Type 3 → 401 on one connection (after a refused Kerberos try, when
					// the kerberos module is installed): a single login attempt.
					const ntlmSockets = new Set(first.filter(line => line.path.endsWith('/rest/services') && line.keepAlive === 1 && line.status === 401).map(line => line.port));
					assert.ok(ntlmSockets.size >= 1 && ntlmSockets.size <= 2);
					assert.ok(first.filter(line => line.path.endsWith('/rest/services')).length <= 3, 'no second attempt');
					const later = await logOf(async () => {
						for (let index = 0; index < 4; index++) {
							await assert.rejects(http(`${iwa!.base}/ntlm/arcgis/rest/services?f=json`), rejected);
						}
					});
					assert.deepEqual(later, [], 'a kept failure sends nothing');
				});

				it('serves 20 concurrent requests: Type 1 and Type 3 never split across connections', async () => {
					const http = client(new ArcGISServerAuth(`${iwa!.domain}\\${iwa!.user}`, iwa!.password));
					const responses = await Promise.all(Array.from({length: 20}, async () => http(`${iwa!.base}/ntlm/arcgis/rest/services?f=json`)));
					assert.ok(responses.every(response => response.statusCode === 200 && response.headers['x-remote-user'] === `${iwa!.domain}\\${iwa!.user}`));
				});

				it("grows with demand: 64 concurrent requests use more than 4 authenticated connections, each Type 3 on its Type 1's connection", async () => {
					const http = client(new ArcGISServerAuth(`${iwa!.domain}\\${iwa!.user}`, iwa!.password));
					const url = `${iwa!.base}/ntlm/arcgis/rest/services?f=json`;
					const lines = await logOf(async () => {
						await http(url);
						const responses = await Promise.all(Array.from({length: 64}, async () => http(url)));
						assert.ok(responses.every(response => response.statusCode === 200 && response.headers['x-remote-user'] === `${iwa!.domain}\\${iwa!.user}`));
					});
					const resource = lines.filter(line => line.path === '/ntlm/arcgis/rest/services');
					const connections = new Set(resource.filter(line => line.status === 200).map(line => line.port));
					// The access log's client port is the connection, `%k` its request count: a Type 1 is
					// a 401 on a connection that then serves, and its Type 3 the very next request there.
					const handshakes = resource.filter(line => line.status === 401 && connections.has(line.port));
					for (const type1 of handshakes) {
						const type3 = resource.find(line => line.port === type1.port && line.keepAlive === type1.keepAlive + 1);
						assert.equal(type3?.status, 200, `the Type 3 after the Type 1 on port ${type1.port}`);
					}

					assert.equal(new Set(handshakes.map(line => line.port)).size, handshakes.length, 'one handshake per connection');
					assert.equal(handshakes.length, connections.size, 'every connection that served was authenticated by its own handshake');
					assert.ok(connections.size > 4 && connections.size <= DEFAULT_NTLM_CONNECTIONS, `${connections.size} connections`);
					console.log(`      measured: 65 NTLM requests (1, then 64 concurrent) on ${connections.size} authenticated connection(s), ${handshakes.length} handshake(s)`);
				});

				it('costs at most one handshake per pooled connection over 100 sequential requests', async () => {
					const http = client(new ArcGISServerAuth(`${iwa!.domain}\\${iwa!.user}`, iwa!.password));
					const lines = await logOf(async () => {
						for (let index = 0; index < 100; index++) {
							await http(`${iwa!.base}/ntlm/arcgis/rest/services?f=json`);
						}
					});
					const served = lines.filter(line => line.status === 200 && line.path.endsWith('/rest/services'));
					assert.equal(served.length, 100);
					const connections = new Set(served.map(line => line.port));
					// A handshake is the Type 1 → 401 on a connection that then serves requests.
					const handshakes = lines.filter(line => line.status === 401 && connections.has(line.port)).length;
					assert.ok(handshakes <= connections.size, `${handshakes} handshakes on ${connections.size} connections`);
					assert.equal(connections.size, 1, 'sequential requests reuse one authenticated connection');
					console.log(`      measured: ${handshakes} NTLM handshake(s) for 100 requests on ${connections.size} connection(s)`);
				});
			});
		});
	}
});
