import assert from 'node:assert/strict';
import {Readable} from 'node:stream';
import {createGzip} from 'node:zlib';
import got from 'got';
import {ArcGISPortalTokenAuth, ArcGISServerTokenAuth, TokenAuthenticationError} from '../lib/index.js';
import {MAX_ANSWER_BYTES} from '../lib/http/capped-answer.js';
import {LocalSite, withoutNock} from './helpers/local-site.js';

const BOMB_BYTES = 256 * 1024 * 1024;

/** 256 MB of JSON-looking text, gzip-compressed on the fly (about 0.25 MB on the wire). */
function gzipBomb(): Readable {
	let sent = 0;
	const chunk = Buffer.alloc(1024 * 1024, ' ');
	const source = new Readable({
		read() {
			if (sent >= BOMB_BYTES) {
				this.push(null);
				return;
			}

			sent += chunk.length;
			this.push(sent === chunk.length ? Buffer.concat([Buffer.from('{"token":"'), chunk.subarray(10)]) : chunk);
		},
	});
	return source.pipe(createGzip({level: 1}));
}

describe("answers to the handler's own calls", function () {
	this.timeout(30_000);
	withoutNock();
	const site = new LocalSite();
	let bombAt = '';
	before(async () => {
		await site.start();
		site.route = (_request, response, url) => {
			if (url.pathname === bombAt) {
				response.writeHead(200, {'content-type': 'application/json', 'content-encoding': 'gzip'});
				gzipBomb().pipe(response);
				return true;
			}

			const exchange = new URLSearchParams(site.received.at(-1)?.body.toString('utf8')).has('serverUrl');
			if (url.pathname === '/portal/sharing/rest/generateToken' && exchange && bombAt === 'exchange') {
				response.writeHead(200, {'content-type': 'application/json', 'content-encoding': 'gzip'});
				gzipBomb().pipe(response);
				return true;
			}

			if (url.pathname === '/portal/sharing/rest/generateToken') {
				response.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({token: 'portal-1', expires: Date.now() + 3_600_000}));
				return true;
			}

			if (url.pathname === '/server/rest/info') {
				response
					.writeHead(200, {'content-type': 'application/json'})
					.end(
						JSON.stringify({currentVersion: 11.3, owningSystemUrl: `${site.url}/portal`, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${site.url}/portal/sharing/rest/generateToken`}}),
					);
				return true;
			}

			return false;
		};
	});
	after(async () => {
		await site.stop();
	});

	const cases: Array<[string, string, string, () => {hooks: ArcGISServerTokenAuth['hooks']}, 'DISCOVERY_FAILED' | 'TOKEN_SERVICE_ERROR']> = [
		['rest/info', '/arcgis/rest/info', '/arcgis/rest/services?f=json', () => new ArcGISServerTokenAuth('alice', 'demo1234'), 'DISCOVERY_FAILED'],
		['generateToken', '/arcgis/tokens/generateToken', '/arcgis/rest/services?f=json', () => new ArcGISServerTokenAuth('alice', 'demo1234'), 'TOKEN_SERVICE_ERROR'],
		['the federation exchange', 'exchange', '/server/rest/services?f=json', () => new ArcGISPortalTokenAuth('alice', 'demo1234'), 'TOKEN_SERVICE_ERROR'],
	];

	for (const [call, path, request, handler, code] of cases) {
		it(`stops reading a gzip bomb from ${call} at ${MAX_ANSWER_BYTES / 1024 / 1024} MiB: ${code}, and memory stays flat`, async () => {
			bombAt = path;
			const auth = handler();
			const before = process.memoryUsage().rss;
			const error = await got(`${site.url}${request}`, {hooks: auth.hooks, retry: {limit: 0}}).catch((error_: unknown) => error_);
			const grown = process.memoryUsage().rss - before;
			assert.ok(error instanceof TokenAuthenticationError, String(error));
			assert.equal(error.code, code);
			assert.match(error.message, /answered more than 1 MiB; a real ArcGIS answer is a few hundred bytes/);
			assert.ok(grown < 128 * 1024 * 1024, `memory grew by ${Math.round(grown / 1024 / 1024)} MB reading a ${BOMB_BYTES / 1024 / 1024} MB answer`);
		});
	}
});
