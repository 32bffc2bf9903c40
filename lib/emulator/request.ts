import type {IncomingMessage} from 'node:http';
import type {TLSSocket} from 'node:tls';

/** Where a request carried its token. */
export type TokenPlace = 'query' | 'body' | 'header';

export type EmulatorRequest = {
	method: string;
	url: URL;
	/** Path in lower case, without a trailing slash (ArcGIS paths are case-insensitive). */
	path: string;
	query: URLSearchParams;
	form: URLSearchParams;
	/** A parameter from the form body or the query, the body first (as ArcGIS reads them). */
	param(name: string): string | undefined;
	token: string | undefined;
	tokenIn: TokenPlace | undefined;
	referer: string | undefined;
	headers: IncomingMessage['headers'];
	bodyBytes: number;
	/** With client certificates on: the user named by the verified certificate (its common name). */
	certificateUser: string | undefined;
	/** With the web tier on: the user its NTLM login signed the request's connection in as. */
	webTierUser: string | undefined;
};

/** Bodies larger than this are refused (413): the emulator is for authentication, not uploads. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {}

async function readBody(request: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of request) {
		size += (chunk as Buffer).length;
		// Past the cap the rest is read and dropped: leaving it unread would stall the client's upload.
		if (size <= MAX_BODY_BYTES) {
			chunks.push(chunk as Buffer);
		}
	}

	if (size > MAX_BODY_BYTES) {
		throw new BodyTooLargeError('body too large');
	}

	return Buffer.concat(chunks);
}

/** Reads a request the way ArcGIS does: query and form body alike; the token from any of three places. */
/** The common name of a verified client certificate, if the connection has one (TLS with client certificates). */
function certificateUser(request: IncomingMessage): string | undefined {
	const socket = request.socket as TLSSocket;
	if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) {
		return undefined;
	}

	const name = socket.getPeerCertificate().subject?.CN;
	return typeof name === 'string' && name !== '' ? name : undefined;
}

export async function readRequest(request: IncomingMessage, origin: string): Promise<EmulatorRequest> {
	const body = await readBody(request);
	const url = new URL(request.url ?? '/', origin);
	const type = String(request.headers['content-type'] ?? '');
	const form = type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
	const header = request.headers['x-esri-authorization'] ?? request.headers.authorization;
	const headerToken = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
	const bodyToken = form.get('token') ?? undefined;
	const queryToken = url.searchParams.get('token') ?? undefined;
	const [token, tokenIn] = bodyToken ? [bodyToken, 'body' as const] : queryToken ? [queryToken, 'query' as const] : headerToken ? [headerToken, 'header' as const] : [undefined, undefined];
	const referer = request.headers.referer;
	return {
		method: request.method ?? 'GET',
		url,
		path: decodeURIComponent(url.pathname).toLowerCase().replace(/\/+$/, '') || '/',
		query: url.searchParams,
		form,
		param: name => form.get(name) ?? url.searchParams.get(name) ?? undefined,
		token,
		tokenIn,
		referer: typeof referer === 'string' ? referer : undefined,
		headers: request.headers,
		bodyBytes: body.length,
		certificateUser: certificateUser(request),
		webTierUser: undefined,
	};
}
