import type {IncomingMessage, Server} from 'node:http';
import type {AddressInfo, Socket} from 'node:net';

/**
A spec server's listening on 127.0.0.1 and its connections, tracked so that closing it ends its
keep-alive sockets at once (server.close() alone waits for them, and mocha with it).
*/
export class LoopbackListener {
	readonly #server: Server;
	readonly #sockets = new Set<Socket>();

	constructor(server: Server) {
		this.#server = server;
		server.on('connection', socket => {
			this.#sockets.add(socket);
			socket.once('close', () => this.#sockets.delete(socket));
		});
	}

	/** Listens on a free port of 127.0.0.1 and returns it. */
	async listen(): Promise<number> {
		await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve));
		return (this.#server.address() as AddressInfo).port;
	}

	/** Ends every connection (as a server's idle timeout would). */
	dropConnections(): void {
		for (const socket of this.#sockets) {
			socket.destroy();
		}
	}

	async close(): Promise<void> {
		this.dropConnections();
		await new Promise<void>(resolve => this.#server.close(() => resolve()));
	}
}

/** Calls `handle` with a request's whole body, once it has arrived. */
export function withBody(request: IncomingMessage, handle: (body: Buffer) => void): void {
	const chunks: Buffer[] = [];
	request.on('data', (chunk: Buffer) => chunks.push(chunk));
	request.on('end', () => {
		handle(Buffer.concat(chunks));
	});
}
