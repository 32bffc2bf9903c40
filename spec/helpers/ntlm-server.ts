import {LoopbackListener, withBody} from './loopback-server.js';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {Socket} from 'node:net';
import {ntlmType, type2Message} from './ntlm-fixtures.js';

export type Seen = {port: number; path: string; type: number | undefined; token: string | undefined; status: number; guarded: boolean};

/**
A real HTTP server on 127.0.0.1 that binds NTLM to the TCP connection as IIS does (nock cannot
model sockets): a Type 1 on a socket is challenged, a Type 3 is accepted only on the socket that
sent the Type 1, and that socket is then trusted for later requests without Authorization. It
verifies no password (`refuse` turns every Type 3 down); Apache in the integration suite does.
With `tokenSite`, only paths under `/Secure` are behind NTLM and take a token, as on a token site
partly behind IWA.
*/
export class NtlmServer {
	readonly seen: Seen[] = [];
	/** Milliseconds before a trusted request is answered: keeps requests in flight, so that others queue. */
	delay = 0;
	refuse = false;
	tokenSite = false;
	/** The next N Type 1 messages lose their socket instead of an answer (a network error at a handshake's start). */
	dropType1 = 0;
	/** The next N Type 3 messages lose their socket instead of an answer (a network error mid-handshake). */
	dropType3 = 0;
	/** The next N token-bearing requests are answered as ArcGIS does for an invalid token. */
	reject498 = 0;
	/** A spec's own answer for a trusted request (a redirect, a dropped socket); true when it answered. */
	route: ((request: IncomingMessage, response: ServerResponse, socket: Socket) => boolean) | undefined;
	url = '';
	/** Sockets that were closed, by client port. */
	readonly closed = new Set<number>();
	readonly #server: Server;
	readonly #negotiated = new WeakSet<Socket>();
	readonly #trusted = new WeakSet<Socket>();
	readonly #listener: LoopbackListener;
	#tokens = 0;

	constructor() {
		this.#server = createServer((request, response) => {
			this.#handle(request, response);
		});
		this.#listener = new LoopbackListener(this.#server);
		this.#server.on('connection', socket => {
			const port = socket.remotePort ?? 0;
			socket.once('close', () => this.closed.add(port));
		});
	}

	/** Client ports of the NTLM-guarded requests the server answered 200: one per connection used. */
	get connections(): Set<number> {
		return new Set(this.seen.filter(seen => seen.status === 200 && seen.guarded).map(seen => seen.port));
	}

	get handshakes(): number {
		return this.seen.filter(seen => seen.type === 1).length;
	}

	async start(): Promise<this> {
		this.url = `http://127.0.0.1:${await this.#listener.listen()}`;
		return this;
	}

	async stop(): Promise<void> {
		await this.#listener.close();
	}

	#handle(request: IncomingMessage, response: ServerResponse): void {
		withBody(request, body => {
			const url = new URL(request.url ?? '/', this.url);
			const form = new URLSearchParams(body.toString('utf8'));
			const {socket} = request;
			const type = ntlmType(request.headers.authorization);
			const token = form.get('token') ?? url.searchParams.get('token') ?? undefined;
			const guarded = !(this.tokenSite && !url.pathname.includes('/Secure'));
			const seen: Seen = {port: socket.remotePort ?? 0, path: url.pathname, type, token, status: 0, guarded};
			this.seen.push(seen);
			const send = (status: number, body: unknown, headers: Array<[string, string]> = []) => {
				seen.status = status;
				response.statusCode = status;
				for (const [name, value] of [['content-type', 'application/json'], ...headers]) {
					response.appendHeader(name!, value!);
				}

				response.end(JSON.stringify(body));
			};

			if (this.tokenSite && url.pathname === '/arcgis/rest/info') {
				send(200, {currentVersion: 11.3, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${this.url}/arcgis/tokens/generateToken`}});
				return;
			}

			if (this.tokenSite && url.pathname === '/arcgis/tokens/generateToken') {
				send(200, {token: `t${++this.#tokens}`, expires: Date.now() + 3_600_000, ssl: false});
				return;
			}

			if (guarded && type === 1 && this.dropType1 > 0) {
				this.dropType1--;
				seen.status = -1;
				socket.destroy();
				return;
			}

			if (guarded && type === 1) {
				this.#negotiated.add(socket);
				send(401, '', [['www-authenticate', `NTLM ${type2Message()}`]]);
				return;
			}

			if (guarded && type === 3 && this.dropType3 > 0) {
				this.dropType3--;
				seen.status = -1;
				socket.destroy();
				return;
			}

			if (guarded && type === 3 && this.#negotiated.has(socket) && !this.refuse) {
				this.#trusted.add(socket);
			} else if (guarded && !this.#trusted.has(socket)) {
				send(401, '', [
					['www-authenticate', 'Negotiate'],
					['www-authenticate', 'NTLM'],
				]);
				return;
			}

			setTimeout(() => {
				if (this.route?.(request, response, socket)) {
					seen.status = response.statusCode;
					return;
				}

				if (token !== undefined && this.reject498 > 0) {
					this.reject498--;
					send(200, {error: {code: 498, message: 'Invalid token.', details: []}});
					return;
				}

				send(200, {ok: true, path: url.pathname});
			}, this.delay);
		});
	}
}
