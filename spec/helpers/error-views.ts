import {inspect} from 'node:util';

type Urlish = URL | string | undefined;

function hrefs(values: unknown): string[] {
	return (Array.isArray(values) ? values : [values]).filter(value => value !== undefined).map(value => String(value as Urlish));
}

/**
Everything of an error that a person or a logger looks at: its message and stack, `String()`,
`util.inspect` (as console.error prints it, and deeper), JSON, and the URLs that ride on it, on its
request, on its options and on its response.
*/
export function errorViews(error: unknown): string[] {
	const value = error as {
		message?: string;
		stack?: string;
		options?: {url?: Urlish};
		request?: {requestUrl?: Urlish; redirectUrls?: Urlish[]};
		response?: {url?: Urlish; requestUrl?: Urlish; redirectUrls?: Urlish[]};
	};
	return [
		String(value.message),
		String(value.stack),
		String(error),
		inspect(error),
		inspect(error, {depth: 6}),
		JSON.stringify(error) ?? '',
		...hrefs(value.options?.url),
		...hrefs(value.request?.requestUrl),
		...hrefs(value.request?.redirectUrls),
		...hrefs(value.response?.url),
		...hrefs(value.response?.requestUrl),
		...hrefs(value.response?.redirectUrls),
	];
}
