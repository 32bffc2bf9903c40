import assert from 'node:assert/strict';
import {execFile} from 'node:child_process';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';
import {fileURLToPath} from 'node:url';
import got from 'got';
import {ArcGISPortalTokenAuth, ArcGISServerTokenAuth, TokenAuthenticationError} from '../lib/index.js';
import {DEFAULT_CALL_TIMEOUT_MS, resolveOptions} from '../lib/options.js';
import {withoutNock} from './helpers/local-site.js';

const INDEX = fileURLToPath(new URL('../lib/index.ts', import.meta.url));

/**
A real server that accepts connections and answers only what `answer` says; the rest hangs (the
socket stays open, nothing is written), as a wedged IIS or a half-dead proxy does.
*/
class HangingSite {
	url = '';
	readonly open = new Set<Socket>();
	closed = 0;
	hits: string[] = [];
	answer: (request: IncomingMessage, response: ServerResponse, path: string) => boolean = () => false;
	readonly #server: Server = createServer((request, response) => {
		const path = new URL(request.url ?? '/', 'http://x').pathname;
		this.hits.push(path);
		request.resume();
		request.on('end', () => {
			this.answer(request, response, path);
		});
	});

	async start(): Promise<this> {
		this.#server.on('connection', socket => {
			this.open.add(socket);
			socket.once('close', () => {
				this.open.delete(socket);
				this.closed++;
			});
		});
		await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve));
		this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
		return this;
	}

	async stop(): Promise<void> {
		this.#server.closeAllConnections();
		await new Promise<void>(resolve => this.#server.close(() => resolve()));
	}

	/** Waits (bounded) until every connection the handler opened is closed. */
	async allClosed(withinMs = 3000): Promise<boolean> {
		const end = Date.now() + withinMs;
		while (this.open.size > 0 && Date.now() < end) {
			await new Promise(resolve => setTimeout(resolve, 20));
		}

		return this.open.size === 0;
	}
}

function json(response: ServerResponse, body: unknown): true {
	response.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify(body));
	return true;
}

async function settle(promise: Promise<unknown>): Promise<{error?: unknown; at: number}> {
	try {
		await promise;
		return {at: Date.now()};
	} catch (error: unknown) {
		return {error, at: Date.now()};
	}
}

function expectNetworkError(error: unknown, pattern: RegExp): void {
	assert.ok(error instanceof TokenAuthenticationError, `expected a TokenAuthenticationError, got ${String(error)}`);
	assert.equal(error.code, 'NETWORK_ERROR');
	assert.match(error.message, pattern);
}

describe("deadlines of the handler's own calls", function () {
	this.timeout(20_000);
	withoutNock();
	let site: HangingSite;
	beforeEach(async () => {
		site = await new HangingSite().start();
	});
	afterEach(async () => {
		await site.stop();
	});

	it('has a documented default deadline, and takes callTimeout in milliseconds', () => {
		assert.equal(DEFAULT_CALL_TIMEOUT_MS, 30_000);
		assert.equal(resolveOptions({}).callTimeoutMs, 30_000);
		assert.equal(resolveOptions({callTimeout: 1500}).callTimeoutMs, 1500);
		for (const bad of [0, -1, Number.NaN, '1000']) {
			assert.throws(
				() => resolveOptions({callTimeout: bad as number}),
				(error: unknown) => error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION' && /callTimeout/.test(error.message),
			);
		}
	});

	it('ends a discovery that never answers by its own deadline, with no caller timeout, as NETWORK_ERROR', async () => {
		const auth = new ArcGISServerTokenAuth('alice', 'demo1234', {callTimeout: 400});
		const {error} = await settle(got(`${site.url}/arcgis/rest/services?f=json`, {hooks: auth.hooks, retry: {limit: 0}}));
		expectNetworkError(error, /Could not reach http:\/\/127\.0\.0\.1:\d+\/arcgis\/rest\/info\?f=json: Timeout awaiting 'request' for 400ms/);
		assert.deepEqual(site.hits, ['/arcgis/rest/info'], 'the request itself was never sent');
		assert.ok(await site.allClosed(), 'the hanging connection was closed');
	});

	it('ends a generateToken that never answers by its own deadline', async () => {
		site.answer = (_request, response, path) =>
			path === '/arcgis/rest/info' && json(response, {currentVersion: 11.3, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${site.url}/arcgis/tokens/generateToken`}});
		const auth = new ArcGISServerTokenAuth('alice', 'demo1234', {callTimeout: 400});
		const {error} = await settle(got(`${site.url}/arcgis/rest/services?f=json`, {hooks: auth.hooks, retry: {limit: 0}}));
		expectNetworkError(error, /generateToken: Timeout awaiting 'request' for 400ms/);
		assert.deepEqual(site.hits, ['/arcgis/rest/info', '/arcgis/tokens/generateToken']);
	});

	it('ends a federation exchange that never answers by its own deadline', async () => {
		// The portal logs in; its generateToken with serverUrl (the exchange) hangs.
		site.answer = (request, response, path) => {
			if (path === '/server/rest/info') {
				return json(response, {currentVersion: 11.3, owningSystemUrl: `${site.url}/portal`, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${site.url}/portal/sharing/rest/generateToken`}});
			}

			if (path === '/portal/sharing/rest/generateToken' && site.hits.filter(hit => hit === path).length === 1) {
				return json(response, {token: 'portal-token-1', expires: Date.now() + 3_600_000, ssl: false});
			}

			return false;
		};

		const auth = new ArcGISPortalTokenAuth('alice', 'demo1234', {callTimeout: 400});
		const {error} = await settle(got(`${site.url}/server/rest/services?f=json`, {hooks: auth.hooks, retry: {limit: 0}}));
		expectNetworkError(error, /sharing\/rest\/generateToken: Timeout awaiting 'request' for 400ms/);
		assert.deepEqual(site.hits, ['/server/rest/info', '/portal/sharing/rest/generateToken', '/portal/sharing/rest/generateToken']);
	});

	it("releases a request waiting on another request's discovery by its own timeout, while the shared call goes on", async () => {
		const auth = new ArcGISServerTokenAuth('alice', 'demo1234', {callTimeout: 3000});
		const url = `${site.url}/arcgis/rest/services?f=json`;
		const first = settle(got(url, {hooks: auth.hooks, retry: {limit: 0}}));
		await new Promise(resolve => setTimeout(resolve, 50));
		let firstDone = false;
		void first.then(() => {
			firstDone = true;
		});
		const second = await settle(got(url, {hooks: auth.hooks, retry: {limit: 0}, timeout: {request: 300}}));
		expectNetworkError(second.error, /^ArcGISServerTokenAuth: Timeout waiting for the site discovery \(rest\/info\): it did not finish within the request's timeout\.request \(\d+ ms\)\.$/);
		assert.equal(firstDone, false, 'the first request still waits for the discovery it started');
		assert.deepEqual(site.hits, ['/arcgis/rest/info'], 'one shared discovery');
		const {error, at} = await first;
		expectNetworkError(error, /Timeout awaiting 'request' for 3000ms/);
		assert.ok(at > second.at);
	});

	it('releases a waiting request by its own AbortSignal, and aborts the shared call once no request waits for it', async () => {
		const auth = new ArcGISServerTokenAuth('alice', 'demo1234', {callTimeout: 60_000});
		const controller = new AbortController();
		const pending = settle(got(`${site.url}/arcgis/rest/services?f=json`, {hooks: auth.hooks, retry: {limit: 0}, signal: controller.signal}));
		while (site.open.size === 0) {
			await new Promise(resolve => setTimeout(resolve, 10));
		}

		controller.abort();
		const {error} = await pending;
		assert.ok(error instanceof Error && /abort/i.test(error.message), `aborted: ${String(error)}`);
		assert.ok(await site.allClosed(), "the discovery's connection was closed: nothing keeps the process alive");
	});

	it('aborts a shared login only when its last waiter has given up', async () => {
		site.answer = (_request, response, path) =>
			path === '/arcgis/rest/info' && json(response, {currentVersion: 11.3, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${site.url}/arcgis/tokens/generateToken`}});
		const auth = new ArcGISServerTokenAuth('alice', 'demo1234', {callTimeout: 60_000});
		const url = `${site.url}/arcgis/rest/services?f=json`;
		const patient = new AbortController();
		const first = settle(got(url, {hooks: auth.hooks, retry: {limit: 0}, signal: patient.signal}));
		const second = settle(got(url, {hooks: auth.hooks, retry: {limit: 0}, timeout: {request: 200}}));
		expectNetworkError((await second).error, /^ArcGISServerTokenAuth: Timeout waiting for a token from http:\/\/127\.0\.0\.1:\d+\/arcgis\/tokens\/generateToken: /);
		assert.equal(site.open.size, 1, 'the login goes on for the first request');
		patient.abort();
		await first;
		assert.ok(await site.allClosed(), 'the login was aborted with its last waiter');
		// An abandoned call is not shared with the next request, which starts its own.
		site.answer = (_request, response, path) => {
			if (path === '/arcgis/rest/info') {
				return json(response, {currentVersion: 11.3, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${site.url}/arcgis/tokens/generateToken`}});
			}

			return path === '/arcgis/tokens/generateToken' ? json(response, {token: 'fresh', expires: Date.now() + 3_600_000}) : json(response, {ok: true});
		};

		assert.deepEqual(await got(url, {hooks: auth.hooks, retry: {limit: 0}}).json(), {ok: true});
		assert.equal(site.hits.filter(hit => hit.endsWith('generateToken')).length, 2);
	});

	it('lets a script exit once its last request gave up, though the discovery it started would hang for a minute', async () => {
		// The first request starts the discovery and is aborted; the second waits for it with a
		// timeout. Nothing may keep the process alive once both have given up.
		const script = `
			import got from 'got';
			import {ArcGISServerTokenAuth} from ${JSON.stringify(INDEX)};
			const auth = new ArcGISServerTokenAuth('alice', 'demo1234', {callTimeout: 60000});
			const url = ${JSON.stringify(`${site.url}/arcgis/rest/services?f=json`)};
			const controller = new AbortController();
			const first = got(url, {hooks: auth.hooks, retry: {limit: 0}, signal: controller.signal}).catch(error => error.name);
			setTimeout(() => controller.abort(), 100);
			const second = got(url, {hooks: auth.hooks, retry: {limit: 0}, timeout: {request: 300}}).catch(error => error.code);
			console.log(await first, await second);
		`;
		const started = Date.now();
		const output = await new Promise<string>((resolve, reject) => {
			execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {cwd: fileURLToPath(new URL('..', import.meta.url)), timeout: 15_000}, (error, stdout, stderr) => {
				if (error) {
					reject(new Error(`${error.message}\n${stderr}`));
				} else {
					resolve(stdout);
				}
			});
		});
		assert.equal(output.trim(), 'AbortError NETWORK_ERROR');
		assert.ok(Date.now() - started < 15_000, 'the process exited long before the shared call would have ended');
	});
});
