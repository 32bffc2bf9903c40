import type {NormalizedOptions} from 'got';
import {setFormBody} from './form-body.js';

/**
Sends a GET as a POST with its query as a form body, as the Python original did: long queries
(geometry filters, where clauses) outgrow URL limits, and tokens stay out of server logs.

got retries GETs but never POSTs; the converted request is still a GET in spirit, so it keeps the
GET retries — only for this request, since got copies `retry` per request.
*/
export function convertGetToPost(options: NormalizedOptions): void {
	const url = options.url as URL;
	const query = url.search.startsWith('?') ? url.search.slice(1) : url.search;
	url.search = '';
	options.method = 'POST';
	setFormBody(options, query);
	options.headers['content-type'] = 'application/x-www-form-urlencoded';

	const {retry} = options;
	const methods = retry.methods ?? [];
	if (methods.includes('GET') && !methods.includes('POST')) {
		retry.methods = [...methods, 'POST'];
	}
}
