/** An answer the emulator sends: status, JSON body, extra headers (repeated names allowed), and the body's content type when not JSON's. */
export type Reply = {status: number; body?: unknown; headers?: Array<[string, string]>; contentType?: string};

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
