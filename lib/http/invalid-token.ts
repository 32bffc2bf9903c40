import type {Response} from 'got';
import {arcgisErrorCode, readArcGISError} from '../token/arcgis-error.js';

/** Error bodies are a few hundred bytes; anything larger is data and is never parsed. */
const MAX_INSPECTED_BYTES = 64 * 1024;
const OPEN_BRACE = 0x7b;

// Searched for as bytes: Buffer#includes with a string argument encodes it anew on every call.
const CODE_498 = Buffer.from('498');
const CODE_499 = Buffer.from('499');

function firstNonSpaceByte(body: Buffer): number | undefined {
	// An index loop: a for…of over a Buffer makes an iterator for every response.
	for (let index = 0; index < body.length; index++) {
		const byte = body[index]!;
		if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) {
			return byte;
		}
	}

	return undefined;
}

function isTokenCode(code: number | undefined): boolean {
	return code === 498 || code === 499;
}

/**
The one place that decides whether a response means "your token is invalid or missing": HTTP
status 498/499, or — the usual case — HTTP 200 with a JSON body whose `error.code` (REST) or
top-level `code` with `status: "error"` (Administrator API) is 498 or 499. A 403 with
`messageCode: GWM_0003` is a permission problem, not a token problem.

Only small bodies that start like JSON are parsed, after a cheap byte search for the codes, so
tiles, images and large query results cost next to nothing.
*/
export function isInvalidTokenResponse(response: Pick<Response, 'statusCode' | 'rawBody'>): boolean {
	if (isTokenCode(response.statusCode)) {
		return true;
	}

	const body = response.rawBody;
	if (!body || body.length === 0 || body.length > MAX_INSPECTED_BYTES || firstNonSpaceByte(body) !== OPEN_BRACE) {
		return false;
	}

	if (!body.includes(CODE_498) && !body.includes(CODE_499)) {
		return false;
	}

	try {
		return isTokenCode(arcgisErrorCode(readArcGISError(JSON.parse(body.toString('utf8')))));
	} catch {
		return false;
	}
}
