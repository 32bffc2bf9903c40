import assert from 'node:assert/strict';
import got, {type Got} from 'got';
import {ArcGISPortalAuth, ArcGISServerAuth, TokenAuthenticationError, createSession, type AuthHooks} from '../../lib/index.js';
import {findKerberos, forgetKerberosModule} from '../../lib/web-tier/kerberos.js';
import {withoutNock} from '../helpers/local-site.js';
import {HOW_TO_ENABLE, dnsLookup, iwa, readAccessLog, settleLog, type LogLine} from './iwa-env.js';

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

				it('costs at most one 401 for 100 sequential requests', async () => {
					const http = client(new ArcGISServerAuth());
					const lines = await logOf(async () => {
						for (let index = 0; index < 100; index++) {
							await http(`${iwa!.base}/kerberos/arcgis/rest/services?f=json`);
						}
					});
					const served = lines.filter(line => line.path.endsWith('/rest/services'));
					assert.equal(served.length, 100);
					assert.ok(served.every(line => line.status === 200 && line.user === 'alice@EXAMPLE.TEST'));
					const unauthorized = lines.filter(line => line.status === 401).length;
					assert.ok(unauthorized <= 1, `${unauthorized} 401s`);
					console.log(`      measured: ${unauthorized} 401 for 100 Kerberos requests`);
				});

				it('verifies the mutual-authentication token under mutualAuth: required', async () => {
					const response = await client(new ArcGISServerAuth(undefined, undefined, {mutualAuth: 'required'}))(`${iwa!.base}/kerberos/arcgis/rest/info?f=json`);
					assert.equal(response.statusCode, 200);
					assert.match(String(response.headers['www-authenticate']), /^Negotiate \S+/);
				});

				it('rejects a tampered mutual-authentication token under mutualAuth: required', async () => {
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
					await assert.rejects(
						tamper(`${iwa!.base}/kerberos/arcgis/rest/services?f=json`),
						(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED' && /mutual authentication failed/.test(error.message),
					);
				});
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
