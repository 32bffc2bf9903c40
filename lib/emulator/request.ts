import type {IncomingMessage} from 'node:http';

/** Where a request carried its token. */
export type TokenPlace = 'query' | 'body' | 'header';

export type EmulatorRequest = {
	method: string;
	url: URL;
	/** Path decoded, in lower case, without a trailing slash: ArcGIS paths are case-insensitive. */
	path: string;
	query: URLSearchParams;
	/** The `application/x-www-form-urlencoded` body; empty for any other body. */
	form: URLSearchParams;
	/** A parameter from the form body or the query, the body first (as ArcGIS reads them). */
	param(name: string): string | undefined;
	token: string | undefined;
	tokenIn: TokenPlace | undefined;
	referer: string | undefined;
	/** The scheme of the `Authorization` header (`NTLM`, `Negotiate`, `Bearer`...), never its value. */
	authScheme: string | undefined;
	remoteAddress: string;
	headers: IncomingMessage['headers'];
};

/** Bodies larger than this are refused (413): the emulator is for authentication, not uploads. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** An over-size body is read and dropped up to this size, so the client sees the 413 instead of a stalled upload; past it the connection is closed. */
const MAX_DRAIN_BYTES = 16 * MAX_BODY_BYTES;

export class BodyTooLargeError extends Error {
	constructor(readonly drained: boolean) {
		super('body too large');
	}
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of request as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size <= MAX_BODY_BYTES) {
			chunks.push(chunk);
		} else if (size > MAX_DRAIN_BYTES) {
			throw new BodyTooLargeError(false);
		}
	}

	if (size > MAX_BODY_BYTES) {
		throw new BodyTooLargeError(true);
	}

	return Buffer.concat(chunks);
}

function decodePath(pathname: string): string {
	let decoded = pathname;
	try {
		decoded = decodeURIComponent(pathname);
	} catch {
		// A malformed escape is left as sent; such a path matches no route and gets the 404.
	}

	return decoded.toLowerCase().replace(/\/+$/, '') || '/';
}

function bearer(value: string | string[] | undefined): string | undefined {
	return typeof value === 'string' && /^bearer\s+\S/i.test(value) ? value.replace(/^bearer\s+/i, '').trim() : undefined;
}

/**
Reads a request the way ArcGIS does: query and form body alike, the token from the form body, the
query or a header. `Authorization: Bearer` counts only where the web tier does not own that header.
*/
export async function readRequest(request: IncomingMessage, origin: string, options: {authorizationBearer: boolean}): Promise<EmulatorRequest> {
	const body = await readBody(request);
	const url = new URL(request.url ?? '/', origin);
	const type = String(request.headers['content-type'] ?? '').toLowerCase();
	const form = type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body.toString('utf8')) : new URLSearchParams();
	const headerToken = bearer(request.headers['x-esri-authorization']) ?? (options.authorizationBearer ? bearer(request.headers.authorization) : undefined);
	const bodyToken = form.get('token') || undefined;
	const queryToken = url.searchParams.get('token') || undefined;
	const [token, tokenIn] = bodyToken ? [bodyToken, 'body' as const] : (queryToken ? [queryToken, 'query' as const] : (headerToken ? [headerToken, 'header' as const] : [undefined, undefined]));
	const {referer, authorization} = request.headers;
	return {
		method: (request.method ?? 'GET').toUpperCase(),
		url,
		path: decodePath(url.pathname),
		query: url.searchParams,
		form,
		param: name => form.get(name) ?? url.searchParams.get(name) ?? undefined,
		token,
		tokenIn,
		referer: typeof referer === 'string' ? referer : undefined,
		authScheme: typeof authorization === 'string' && authorization.trim() !== '' ? authorization.trim().split(/\s+/)[0] : undefined,
		remoteAddress: request.socket.remoteAddress ?? '',
		headers: request.headers,
	};
}
