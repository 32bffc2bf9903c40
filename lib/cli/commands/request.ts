import type {Method} from 'got';
import {readArcGISError} from '../../token/arcgis-error.js';
import {parseJsonBody} from '../../token/json-body.js';
import {AUTH_HELP, AUTH_OPTIONS, clientFor, handlerFor, parse, urlArgument} from '../common-options.js';
import {EXIT, UsageError} from '../exit-codes.js';
import type {CliIo} from '../io.js';
import {slowNotice} from '../slow-notice.js';

export const REQUEST_HELP = `Usage: arcgis-auth request <url> [options]

Makes an authenticated request and prints the response body. Exit code 4 when the answer is an
HTTP error or an ArcGIS error object.

Options:
  -X, --method METHOD  GET (default), POST, ... Without -X a token site gets a GET as a POST with
                       the query in the body (tokens stay out of URLs and logs; -v shows it);
                       -X GET sends a GET, the token in the query
  -d, --data KEY=VALUE a form field (repeatable): a form POST, or with -X GET a query parameter
  -H, --header 'N: V'  a request header (repeatable)
${AUTH_HELP}
`;

function splitPairs(items: string[] | undefined, separator: string, what: string): Array<[string, string]> {
	return (items ?? []).map(item => {
		const index = item.indexOf(separator);
		if (index <= 0) {
			throw new UsageError(`${what} must look like NAME${separator}VALUE, got ${JSON.stringify(item)}.`);
		}

		return [item.slice(0, index).trim(), item.slice(index + 1).trim()];
	});
}

export async function requestCommand(args: string[], io: CliIo): Promise<number> {
	const {values, positionals} = parse(args, {
		...AUTH_OPTIONS,
		method: {type: 'string', short: 'X'},
		data: {type: 'string', short: 'd', multiple: true},
		header: {type: 'string', short: 'H', multiple: true},
	});
	if (values.help) {
		io.stdout.write(REQUEST_HELP);
		return EXIT.ok;
	}

	const url = urlArgument(positionals, 'request');
	const form = splitPairs(values.data, '=', '--data');
	const headers = Object.fromEntries(splitPairs(values.header, ':', '--header'));
	const method = (values.method ?? (form.length > 0 ? 'POST' : 'GET')).toUpperCase() as Method;
	const inQuery = method === 'GET' || method === 'HEAD';
	if (inQuery) {
		// As curl -G: a GET carries its fields in the query (got refuses a GET with a body).
		for (const [name, value] of form) {
			url.searchParams.append(name, value);
		}
	}

	// -X GET said by the person is kept a GET: the handler's force-POST is for requests nobody chose a method for.
	const auth = await handlerFor(values, url, io, values.method === undefined ? {} : {forcePost: false});
	const client = clientFor(auth, values, io);
	const done = slowNotice(io, url, values.verbose);
	const response = await client(url, {
		method,
		headers,
		throwHttpErrors: false,
		...(form.length > 0 && !inQuery ? {form: Object.fromEntries(form)} : {}),
	}).finally(done);
	io.stdout.write(response.body.endsWith('\n') ? response.body : `${response.body}\n`);
	const parsed = response.body.length < 1024 * 1024 ? parseJsonBody(response.body) : {ok: false as const};
	const arcgisError = parsed.ok ? readArcGISError(parsed.value) : undefined;
	return response.statusCode >= 400 || arcgisError ? EXIT.http : EXIT.ok;
}
