import type {ServerResponse} from 'node:http';
import type {ErrorStyle} from './options.js';

/** An answer: a status, a JSON body or raw bytes, extra headers (repeated names allowed). */
export type Reply = {
	status: number;
	body?: unknown;
	raw?: {bytes: Buffer; contentType: string};
	headers?: Array<[string, string]>;
};

export const json = (body: unknown, status = 200): Reply => ({status, body});

/** ArcGIS REST's error shape, `{"error": {code, message, details}}`, sent with HTTP 200 as ArcGIS does. */
export function restError(code: number, message: string, details: unknown = [], extra: Record<string, unknown> = {}): Reply {
	return {status: 200, body: {error: {code, ...extra, message, details}}};
}

/** The Administrator API's error shape, `{"status": "error", "messages": [...], "code": N}`. */
export function adminError(code: number, messages: string[], status = 200): Reply {
	return {status, body: {status: 'error', messages, code}};
}

export const notFound = (): Reply => ({status: 404, body: {error: {code: 404, message: 'Not Found', details: []}}});

/** The 403 that is not a token problem (a client must not refresh on it). */
export const forbidden = (): Reply => restError(403, 'You do not have permissions to access this resource or perform this operation.', [], {messageCode: 'GWM_0003'});

export type TokenProblem = 'missing' | 'invalid';

/**
ArcGIS's answers to a missing (499) or bad (498) token, in the REST or the Administrator API shape.
Usually HTTP 200; `errorsAs: 'status'` (or an endpoint that never answers 200 with an error, like
tiles) sends the code as the HTTP status too, with the same body.
*/
export function tokenError(problem: TokenProblem, shape: 'rest' | 'admin', errorsAs: ErrorStyle): Reply {
	const code = problem === 'missing' ? 499 : 498;
	let reply: Reply;
	if (shape === 'admin') {
		reply = adminError(code, [problem === 'missing' ? "Unauthorized access. Token not found. You can generate a token using the 'generateToken' operation." : 'Invalid token.']);
	} else {
		reply = problem === 'missing' ? restError(499, 'Token Required', [], {messageCode: 'GWM_0003'}) : restError(498, 'Invalid token.');
	}

	return errorsAs === 'status' ? {...reply, status: code} : reply;
}

/** Writes a reply. `f=pjson` pretty-prints, as ArcGIS does; any other `f` gets compact JSON. */
export function send(response: ServerResponse, reply: Reply, options: {pretty: boolean; close?: boolean}): void {
	const headers: Array<[string, string]> = [...(reply.headers ?? [])];
	let body: Buffer | string = '';
	if (reply.raw) {
		body = reply.raw.bytes;
		headers.push(['content-type', reply.raw.contentType]);
	} else if (reply.body !== undefined) {
		body = JSON.stringify(reply.body, undefined, options.pretty ? 2 : undefined);
		headers.push(['content-type', 'application/json; charset=utf-8']);
	}

	headers.push(['content-length', String(Buffer.byteLength(body))]);
	if (options.close) {
		headers.push(['connection', 'close']);
	}

	// Repeated names (IIS's two WWW-Authenticate headers) need the flat raw form.
	response.writeHead(reply.status, headers.flat());
	response.end(body);
}
