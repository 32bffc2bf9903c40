import type {NormalizedOptions} from 'got';
import {setFormBody} from './form-body.js';

/**
Sends a GET as a POST with its query as a form body, as the Python original did: long queries
(geometry filters, where clauses) outgrow URL limits, and tokens stay out of server logs.

got retries GETs but never POSTs; the converted request is still a GET in spirit, so it keeps the
GET retries — only for this request, since got copies `retry` per request. `extraPair`, already
form-encoded, is appended to the body.
*/
export function convertGetToPost(options: NormalizedOptions, extraPair?: string): void {
	const url = options.url as URL;
	const query = url.search.startsWith('?') ? url.search.slice(1) : url.search;
	url.search = '';
	options.method = 'POST';
	// Before the body: a GET's content-type (if any) is not the form's; setFormBody keeps this one.
	options.headers['content-type'] = 'application/x-www-form-urlencoded';
	// `extraPair` (the token) goes in with the query: one body, set once.
	setFormBody(options, extraPair === undefined ? query : query === '' ? extraPair : `${query}&${extraPair}`);

	const {retry} = options;
	const methods = retry.methods ?? [];
	if (methods.includes('GET') && !methods.includes('POST')) {
		retry.methods = [...methods, 'POST'];
	}
}
