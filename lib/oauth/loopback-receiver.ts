import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import {TokenAuthenticationError} from '../errors.js';

/** What the browser brought back to the loopback redirect URI. */
export type Callback = {code: string} | {error: string; description: string | undefined};

const PAGE = (title: string, text: string) => `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;

function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, character => `&#${character.charCodeAt(0)};`);
}

/**
Listens on 127.0.0.1 only (also for a `localhost` redirect URI: the browser resolves it there) for
the one callback of a sign-in: `?code=…&state=…`, or `?error=…`. A callback whose state is not this
sign-in's is answered with an error page and ignored (it may be a stale tab): it never ends the
wait, and never reaches the token service. The server closes as soon as one valid callback came,
or on timeout or abort.
*/
export class LoopbackReceiver {
	readonly #server: Server;
	readonly #path: string;
	readonly #state: string;
	#port = 0;
	/** The first valid callback, whenever it comes: before wait() is called too (the browser may be quick). */
	readonly #outcome: Promise<Callback>;
	#settle: (callback: Callback) => void = () => undefined;

	private constructor(path: string, state: string) {
		this.#path = path;
		this.#state = state;
		this.#outcome = new Promise(resolve => {
			this.#settle = resolve;
		});
		this.#server = createServer((request, response) => {
			const url = new URL(request.url ?? '/', 'http://127.0.0.1');
			if (request.method !== 'GET' || url.pathname !== this.#path) {
				response.writeHead(404, {'content-type': 'text/html; charset=utf-8'}).end(PAGE('Not found', 'This is not the sign-in callback.'));
				return;
			}

			if (url.searchParams.get('state') !== this.#state) {
				response
					.writeHead(400, {'content-type': 'text/html; charset=utf-8'})
					.end(PAGE('Sign-in not accepted', 'This answer does not belong to the sign-in that is waiting (its state does not match). Start the sign-in again.'));
				return;
			}

			const error = url.searchParams.get('error');
			const code = url.searchParams.get('code');
			if (error !== null || code === null || code === '') {
				const description = url.searchParams.get('error_description') ?? undefined;
				response.writeHead(200, {'content-type': 'text/html; charset=utf-8', connection: 'close'}).end(PAGE('Sign-in failed', escapeHtml(description ?? error ?? 'The portal sent no code.')));
				this.#settle({error: error ?? 'no_code', description});
				return;
			}

			response.writeHead(200, {'content-type': 'text/html; charset=utf-8', connection: 'close'}).end(PAGE('Signed in', 'You are signed in. You can close this tab and return to the terminal.'));
			this.#settle({code});
		});
	}

	/** Starts listening on 127.0.0.1 at `port` (0: any free one). */
	static async start(port: number, path: string, state: string): Promise<LoopbackReceiver> {
		const receiver = new LoopbackReceiver(path, state);
		await new Promise<void>((resolve, reject) => {
			receiver.#server.once('error', reject);
			receiver.#server.listen(port, '127.0.0.1', () => {
				receiver.#server.off('error', reject);
				resolve();
			});
		});
		receiver.#port = (receiver.#server.address() as AddressInfo).port;
		return receiver;
	}

	get port(): number {
		return this.#port;
	}

	/** The first valid callback; rejects on timeout or abort. Closes the server either way. */
	async wait(timeoutMs: number, signal: AbortSignal | undefined): Promise<Callback> {
		let timer: NodeJS.Timeout | undefined;
		let onAbort = () => undefined as void;
		try {
			const givenUp = new Promise<never>((_resolve, reject) => {
				onAbort = () => {
					reject(new TokenAuthenticationError('OAUTH_ERROR', 'The sign-in was aborted before the browser came back.'));
				};

				timer = setTimeout(() => {
					reject(new TokenAuthenticationError('OAUTH_ERROR', `No sign-in came back within ${Math.round(timeoutMs / 1000)} s (the browser never reached the redirect URI).`));
				}, timeoutMs);
				if (signal?.aborted) {
					onAbort();
				}

				signal?.addEventListener('abort', onAbort, {once: true});
			});
			return await Promise.race([this.#outcome, givenUp]);
		} finally {
			clearTimeout(timer);
			signal?.removeEventListener('abort', onAbort);
			await this.close();
		}
	}

	async close(): Promise<void> {
		this.#server.closeAllConnections();
		await new Promise<void>(resolve => this.#server.close(() => resolve()));
	}
}
