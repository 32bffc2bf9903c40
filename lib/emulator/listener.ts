import {createServer, type RequestListener, type Server} from 'node:http';
import {createServer as createHttpsServer} from 'node:https';
import type {AddressInfo, Socket} from 'node:net';
import type {EmulatorCertificate} from './certificate.js';

/** How long an idle keep-alive connection stays open: long enough for a client's pool to reuse it. */
const KEEP_ALIVE_MS = 5000;

/** A listening server that remembers its connections, so close() ends keep-alive ones at once. */
export type Listener = {port: number; close(): Promise<void>};

export async function listen(handler: RequestListener, options: {port: number; host: string; certificate?: EmulatorCertificate}): Promise<Listener> {
	const server: Server = options.certificate ? createHttpsServer({cert: options.certificate.cert, key: options.certificate.key}, handler) : createServer(handler);
	server.keepAliveTimeout = KEEP_ALIVE_MS;
	const sockets = new Set<Socket>();
	server.on('connection', (socket: Socket) => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port, options.host, () => {
			server.off('error', reject);
			resolve();
		});
	});

	let closing: Promise<void> | undefined;
	return {
		port: (server.address() as AddressInfo).port,
		async close() {
			closing ??= new Promise<void>(resolve => {
				server.close(() => resolve());
				// Without this, server.close() waits for every idle keep-alive socket to time out (and mocha with it).
				for (const socket of sockets) {
					socket.destroy();
				}
			});
			return closing;
		},
	};
}
