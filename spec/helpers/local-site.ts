import {LoopbackListener, withBody} from './loopback-server.js';
import {createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createHttpsServer} from 'node:https';
import {readFileSync} from 'node:fs';
import nock from 'nock';

/** A spec's own answer for a path: return true when it answered (or chose never to answer). */
export type Route = (request: IncomingMessage, response: ServerResponse, url: URL) => boolean;

export type Received = {
	method: string;
	path: string;
	remotePort: number;
	/** The content-length header the client sent. */
	declaredLength: number | undefined;
	/** The bytes that actually arrived. */
	body: Buffer;
	headers: IncomingMessage['headers'];
};

/**
A real ArcGIS-shaped server on 127.0.0.1 (http, or https with the spec fixture certificate) for
what nock cannot model: sockets, keep-alive, content-length on the wire, TLS verification.
*/
export class LocalSite {
	readonly received: Received[] = [];
	readonly tokens = new Set<string>();
	/** Consulted first for every request (rest/info and generateToken included). */
	route: Route | undefined;
	url = '';
	#server: Server;
	readonly #listener: LoopbackListener;
	#count = 0;

	constructor(readonly https = false) {
		const handler = (request: IncomingMessage, response: ServerResponse) => {
			this.#handle(request, response);
		};

		this.#server = https
			? createHttpsServer({cert: readFileSync(new URL('../fixtures/tls/cert.pem', import.meta.url)), key: readFileSync(new URL('../fixtures/tls/key.pem', import.meta.url))}, handler)
			: createHttpServer(handler);
		this.#listener = new LoopbackListener(this.#server);
	}

	get resourceCalls(): Received[] {
		return this.received.filter(request => !request.path.includes('/rest/info') && !request.path.includes('generateToken'));
	}

	async start(): Promise<this> {
		this.url = `${this.https ? 'https' : 'http'}://127.0.0.1:${await this.#listener.listen()}`;
		return this;
	}

	async stop(): Promise<void> {
		await this.#listener.close();
	}

	#handle(request: IncomingMessage, response: ServerResponse): void {
		withBody(request, body => {
			const url = new URL(request.url ?? '/', this.url);
			const declared = request.headers['content-length'];
			this.received.push({
				method: request.method ?? '',
				path: `${url.pathname}${url.search}`,
				remotePort: request.socket.remotePort ?? 0,
				declaredLength: declared === undefined ? undefined : Number(declared),
				body,
				headers: request.headers,
			});
			const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
				response.writeHead(status, {'content-type': 'application/json; charset=utf-8', ...headers});
				response.end(JSON.stringify(payload));
			};

			if (this.route?.(request, response, url)) {
				return;
			}

			const form = new URLSearchParams(body.toString('utf8'));
			if (url.pathname === '/arcgis/rest/info') {
				send(200, {currentVersion: 11.3, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${this.url}/arcgis/tokens/generateToken`}});
				return;
			}

			if (url.pathname === '/arcgis/tokens/generateToken') {
				if (form.get('password') !== 'demo1234') {
					send(200, {error: {code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.']}});
					return;
				}

				const token = `local-${++this.#count}`;
				this.tokens.add(token);
				send(200, {token, expires: Date.now() + 3_600_000, ssl: false});
				return;
			}

			const token = form.get('token') ?? url.searchParams.get('token');
			if (!token || !this.tokens.has(token)) {
				send(200, {error: {code: 498, message: 'Invalid token.', details: []}});
				return;
			}

			const cookie = request.headers.cookie;
			send(200, {ok: true, form: Object.fromEntries(form), cookie: cookie ?? null}, {'set-cookie': 'AGS_ROLES=abc; Path=/arcgis; HttpOnly'});
		});
	}
}

/** nock intercepts even real 127.0.0.1 requests and breaks socket reuse: step it aside. */
export function withoutNock(): void {
	before(() => {
		nock.restore();
	});
	after(() => {
		nock.activate();
	});
}
