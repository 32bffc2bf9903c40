import type {NormalizedOptions} from 'got';

const FORM_TYPE = 'application/x-www-form-urlencoded';

/** The request carries a form body the handler can read and extend (not a stream, not multipart). */
export function hasFormBody(options: NormalizedOptions): boolean {
	const type = options.headers['content-type'];
	const body = options.body;
	return typeof type === 'string' && type.toLowerCase().startsWith(FORM_TYPE) && (typeof body === 'string' || body instanceof Uint8Array);
}

/** The form body as text (got has already turned `form` into a string by `beforeRequest`). */
export function formText(options: NormalizedOptions): string {
	const body = options.body;
	return typeof body === 'string' ? body : Buffer.from(body as Uint8Array).toString('utf8');
}

/**
Sets the body and its `content-length`. got computed the length before `beforeRequest` ran: a stale
value silently truncates the body (the server saw the token cut off) and desyncs the keep-alive
stream.
*/
export function setFormBody(options: NormalizedOptions, text: string): void {
	options.body = text;
	options.headers['content-type'] ??= FORM_TYPE;
	options.headers['content-length'] = String(Buffer.byteLength(text));
}

function paramName(pair: string): string {
	const raw = pair.split('=', 1)[0] ?? '';
	try {
		return decodeURIComponent(raw.replaceAll('+', ' '));
	} catch {
		return raw;
	}
}

/**
The form text without the parameter `name`. The other pairs are kept byte for byte (re-encoding
the whole body could change how a caller's values were escaped).
*/
export function withoutParam(text: string, name: string): string {
	if (!text.includes(`${name}=`) && !text.includes(encodeURIComponent(name))) {
		return text;
	}

	return text
		.split('&')
		.filter(pair => pair !== '' && paramName(pair) !== name)
		.join('&');
}

/** Whether the form text has the parameter `name`. */
export function hasParam(text: string, name: string): boolean {
	return withoutParam(text, name) !== text;
}

/** Characters that form encoding (URLSearchParams) and encodeURIComponent both leave as they are. */
const FORM_SAFE = /^[\w.*-]*$/;

/** `name=value`, form-encoded as URLSearchParams encodes it (without building one for the usual token). */
export function formPair(name: string, value: string): string {
	return FORM_SAFE.test(name) && FORM_SAFE.test(value) ? `${name}=${value}` : new URLSearchParams({[name]: value}).toString();
}

/** The form text with `name` set to `value` (replacing an earlier value). */
export function withParam(text: string, name: string, value: string): string {
	const rest = withoutParam(text, name);
	const pair = formPair(name, value);
	return rest === '' ? pair : `${rest}&${pair}`;
}

/** A body that is read once (a stream or async iterable): a request with it cannot be sent again. */
export function isStreamBody(body: unknown): boolean {
	return typeof body === 'object' && body !== null && (typeof (body as {pipe?: unknown}).pipe === 'function' || Symbol.asyncIterator in body);
}
