import {LoopbackListener} from './loopback-server.js';
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import type {Socket} from 'node:net';

/** One request as the site saw it: on which connection, with which Authorization, answered how. */
export type Seen = {connection: number; authorization: string | undefined; status: number; path: string};

/**
A real SPNEGO site on 127.0.0.1 for what nock cannot model: connections. Tokens are those of the
spec's fake kerberos module (`KRB-<n>`). `bound`: the site keeps the authentication for the TCP
connection (IIS's default, mod_auth_gssapi's GssapiConnectionBound On); otherwise every request
needs its own token. Each accepted token is answered with `serverToken` for mutual authentication.
*/
export class NegotiateSite {
	readonly seen: Seen[] = [];
	serverToken = 'server-proof';
	url = '';
	readonly #server: Server;
	readonly #authenticated = new WeakSet<Socket>();
	readonly #ids = new WeakMap<Socket, number>();
	readonly #listener: LoopbackListener;

	constructor(
		readonly bound: boolean,
		keepAliveTimeout = 5000,
	) {
		this.#server = createServer((request, response) => {
			this.#answer(request, response);
		});
		this.#server.keepAliveTimeout = keepAliveTimeout;
		this.#listener = new LoopbackListener(this.#server);
		this.#server.on('connection', socket => {
			this.#ids.set(socket, this.connections++);
		});
	}

	/** Connections the site has accepted so far. */
	connections = 0;

	get unauthorized(): number {
		return this.seen.filter(request => request.status === 401).length;
	}

	get tokens(): number {
		return this.seen.filter(request => request.authorization !== undefined).length;
	}

	async start(): Promise<this> {
		this.url = `http://127.0.0.1:${await this.#listener.listen()}`;
		return this;
	}

	/** Closes every connection the site holds (as a server's idle timeout would). */
	dropConnections(): void {
		this.#listener.dropConnections();
	}

	async stop(): Promise<void> {
		await this.#listener.close();
	}

	#answer(request: IncomingMessage, response: ServerResponse): void {
		const {socket} = request;
		const authorization = request.headers.authorization;
		const record = (status: number) => this.seen.push({connection: this.#ids.get(socket) ?? -1, authorization, status, path: request.url ?? ''});
		let accepted = false;
		if (authorization?.startsWith('Negotiate KRB-')) {
			accepted = true;
			if (this.bound) {
				this.#authenticated.add(socket);
			}
		} else if (authorization === undefined && this.#authenticated.has(socket)) {
			accepted = true;
		}

		request.resume();
		if (!accepted) {
			record(401);
			response.writeHead(401, {'www-authenticate': 'Negotiate', 'content-type': 'text/html'});
			response.end('<html>401</html>');
			return;
		}

		const redirect = request.url?.startsWith('/moved/');
		record(redirect ? 302 : 200);
		const headers: Record<string, string> = {'content-type': 'application/json'};
		if (authorization !== undefined) {
			headers['www-authenticate'] = `Negotiate ${this.serverToken}`;
		}

		if (redirect) {
			// `/moved/<path>` answers with a redirect to `/<path>` on the same site.
			headers.location = request.url!.slice('/moved'.length);
		}

		response.writeHead(redirect ? 302 : 200, headers);
		response.end(JSON.stringify({ok: true, path: request.url}));
	}
}
