import type {ArcGISErrorObject} from '../errors.js';

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
The error a parsed ArcGIS JSON body carries, in either of its two shapes: REST's
`{"error": {code, message, details}}`, or the Administrator API's `{"status": "error", "messages":
[...], "code": 498}`. Undefined when the body is not an error.
*/
export function readArcGISError(body: unknown): ArcGISErrorObject | undefined {
	if (!isRecord(body)) {
		return undefined;
	}

	if (isRecord(body.error)) {
		const {code, message, details, messageCode} = body.error;
		return {
			code: typeof code === 'number' || typeof code === 'string' ? code : undefined,
			message: typeof message === 'string' ? message : undefined,
			details,
			messageCode: typeof messageCode === 'string' ? messageCode : undefined,
		};
	}

	if (body.status === 'error') {
		const {code, messages} = body;
		return {
			code: typeof code === 'number' || typeof code === 'string' ? code : undefined,
			message: Array.isArray(messages) ? messages.filter(item => typeof item === 'string').join(' ') : undefined,
			details: messages,
		};
	}

	return undefined;
}

/** The numeric code of an ArcGIS error (servers send it as a number, rarely as a string). */
export function arcgisErrorCode(error: ArcGISErrorObject | undefined): number | undefined {
	const code = Number(error?.code);
	return Number.isFinite(code) ? code : undefined;
}

/** One line of text for an ArcGIS error: its message, then its details (array or string). */
export function describeArcGISError(error: ArcGISErrorObject): string {
	const details = Array.isArray(error.details) ? error.details.filter(item => typeof item === 'string') : typeof error.details === 'string' ? [error.details] : [];
	const parts = [error.message, ...details].filter((part): part is string => Boolean(part?.trim()));
	const unique = [...new Set(parts.map(part => part.trim()))];
	const text = unique.join(' ');
	return error.code === undefined ? text : `${text} (code ${String(error.code)})`;
}
