import type {RequestError} from 'got';

/**
Keeps a failed request's options reachable on its error but out of util.inspect and
JSON.stringify: the options of a request the handler authenticated carry its token or its private
key (got stores them enumerably).
*/
export function hideOptions(error: RequestError): void {
	if (Object.getOwnPropertyDescriptor(error, 'options')?.enumerable) {
		Object.defineProperty(error, 'options', {enumerable: false, value: error.options, writable: true});
	}
}
