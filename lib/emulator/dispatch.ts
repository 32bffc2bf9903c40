import type {IncomingMessage, RequestListener, ServerResponse} from 'node:http';
import {setTimeout as delay} from 'node:timers/promises';
import type {EmulatorContext, Route} from './context.js';
import type {LogEntry} from './stats.js';
import {BodyTooLargeError, readRequest, type EmulatorRequest} from './request.js';
import {notFound, send, type Reply} from './responses.js';
import {adminRoutes} from './routes/admin.js';
import {portalRoutes} from './routes/portal.js';
import {redirectRoutes} from './routes/redirects.js';
import {serverRoutes} from './routes/server.js';

// Admin first: `/arcgis/admin/generateToken` must not be taken for anything else.
const ROUTES: readonly Route[] = [adminRoutes, serverRoutes, portalRoutes, redirectRoutes];

/** What IIS answers when Windows authentication is on and anonymous access is off. */
function webTierChallenge(): Reply {
	return {
		status: 401,
		// Two headers, not one joined list: clients that read only `headers['www-authenticate']` see "Negotiate, NTLM".
		headers: [['www-authenticate', 'Negotiate'], ['www-authenticate', 'NTLM']],
		raw: {bytes: Buffer.from('<!DOCTYPE html><html><head><title>401 - Unauthorized</title></head><body><h1>401 - Unauthorized: Access is denied due to invalid credentials.</h1></body></html>'), contentType: 'text/html'},
	};
}

function route(request: EmulatorRequest, context: EmulatorContext): Reply {
	if (context.options.webTier && request.authScheme === undefined) {
		context.stats.count('webTier.challenge');
		return webTierChallenge();
	}

	for (const candidate of ROUTES) {
		const reply = candidate(request, context);
		if (reply) {
			return reply;
		}
	}

	context.stats.count('notFound');
	return notFound();
}

/** A Referer as logged: no query string or fragment, where a browser's referer may carry a token. */
const loggedReferer = (referer: string): string => referer.split(/[?#]/)[0]!;

/**
The request pipeline: read (query and form alike), the web tier's challenge, the routes, the
latency switch, the log, the answer. `signal` aborts the latency wait when the emulator closes.
*/
export function createDispatcher(context: EmulatorContext, signal: AbortSignal): RequestListener {
	const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
		let reply: Reply;
		let request: EmulatorRequest | undefined;
		let close = false;
		try {
			request = await readRequest(incoming, context.origin, {authorizationBearer: !context.options.webTier});
			reply = route(request, context);
		} catch (error: unknown) {
			if (!(error instanceof BodyTooLargeError)) {
				throw error;
			}

			context.stats.count('tooLarge');
			// Past the drain limit the rest of the body is still on the wire: the connection cannot be reused.
			close = !error.drained;
			reply = {status: 413, body: {error: {code: 413, message: 'Request Entity Too Large', details: []}}};
		}

		if (context.options.latencyMs > 0) {
			await delay(context.options.latencyMs, undefined, {signal});
		}

		const length = Number(incoming.headers['content-length']);
		const entry: LogEntry = {
			method: incoming.method ?? 'GET',
			path: (incoming.url ?? '/').split('?')[0]!,
			tokenIn: request?.tokenIn ?? null,
			status: reply.status,
			remotePort: incoming.socket.remotePort ?? 0,
			...(request?.referer === undefined ? {} : {referer: loggedReferer(request.referer)}),
			...(request?.authScheme === undefined ? {} : {authScheme: request.authScheme}),
			...(Number.isFinite(length) ? {contentLength: length} : {}),
		};
		context.stats.record(entry);
		send(response, reply, {pretty: request?.param('f') === 'pjson', close});
	};

	return (incoming, response) => {
		handle(incoming, response).catch((error: unknown) => {
			if (signal.aborted || response.headersSent) {
				response.destroy();
				return;
			}

			// A fault of the emulator itself: an answer beats a hung client, and the process must not crash.
			try {
				send(response, {status: 500, body: {error: {code: 500, message: 'Emulator error', details: [error instanceof Error ? error.message : 'unknown']}}}, {pretty: false, close: true});
			} catch {
				response.destroy();
			}
		});
	};
}
