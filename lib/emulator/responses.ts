/**
An answer the emulator sends: status, JSON body (or `text`, sent as is: an HTML page), extra headers
(repeated names allowed), and the body's content type when not JSON's.
*/
export type Reply = {status: number; body?: unknown; text?: string; headers?: Array<[string, string]>; contentType?: string};

export const json = (body: unknown, status = 200): Reply => ({status, body});

/** ArcGIS REST's error shape, `{"error": {code, message, details}}`. */
export function restError(code: number, message: string, details: unknown = [], extra: Record<string, unknown> = {}): Reply {
	return {status: 200, body: {error: {code, ...extra, message, details}}};
}

/** The Administrator API's error shape, `{"status": "error", "messages": [...], "code": N}`. */
export function adminError(code: number, messages: string[]): Reply {
	return {status: 200, body: {status: 'error', messages, code}};
}

export const notFound = (): Reply => ({status: 404, body: {error: {code: 404, message: 'Not Found', details: []}}});

/** Sends a token error as ArcGIS usually does (HTTP 200) or as a real HTTP 498/499. */
export function withStatus(reply: Reply, code: 498 | 499, errorsAs: 'json' | 'status'): Reply {
	return errorsAs === 'status' ? {...reply, status: code} : reply;
}

/**
ArcGIS serves OAuth token answers as text/plain and never caches them (Esri's captured headers,
enterprise-identity.md §2.3); clients must parse the JSON whatever the content type.
*/
export function oauthAnswer(body: unknown): Reply {
	return {status: 200, body, contentType: 'text/plain;charset=utf-8', headers: [['cache-control', 'no-cache, no-store, must-revalidate']]};
}

/** ArcGIS's OAuth error shape, in an HTTP 200 body: `{"error": {code, error, error_description, message, details}}`. */
export function oauthError(error: string, description: string, code = 400): Reply {
	return oauthAnswer({error: {code, error, error_description: description, message: description, details: []}});
}

/** An HTML page (the OAuth sign-in pages), never cached: it may carry a one-time code. */
export function htmlPage(text: string, status = 200): Reply {
	return {status, text, contentType: 'text/html;charset=utf-8', headers: [['cache-control', 'no-cache, no-store, must-revalidate']]};
}
