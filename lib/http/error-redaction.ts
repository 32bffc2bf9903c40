import type {NormalizedOptions, RequestError} from 'got';
import {redactText, redactUrl} from '../site/redact.js';
import {removeToken} from './token-placement.js';

type Urlish = URL | string;
type WithUrls = {url?: Urlish; requestUrl?: Urlish; redirectUrls?: Urlish[]};

function redactedLike<T extends Urlish>(value: T): T {
	const text = redactUrl(value);
	return (value instanceof URL ? new URL(text) : text) as T;
}

function redactUrls(holder: WithUrls | undefined): void {
	if (!holder) {
		return;
	}

	if (holder.url !== undefined) {
		holder.url = redactedLike(holder.url);
	}

	if (holder.requestUrl !== undefined) {
		holder.requestUrl = redactedLike(holder.requestUrl);
	}

	if (Array.isArray(holder.redirectUrls)) {
		holder.redirectUrls = holder.redirectUrls.map(url => redactedLike(url));
	}
}

function redactError(error: Error, secrets: ReadonlyArray<string | undefined>): void {
	error.message = redactText(error.message, secrets);
	if (typeof error.stack === 'string') {
		error.stack = redactText(error.stack, secrets);
	}
}

/**
Takes the handler's token off a failed request's error before the caller sees it. got quotes the
request URL in its messages (`HTTPError`: `… POST https://host/…?token=…`, `ParseError`: `… in
"https://host/…"`) and keeps it on the error, its request and its response; a token in the query
(`tokenIn: 'query'`, `forcePost: false`, any body that is not a form) would then reach whatever
prints the error — console.error, cron mail, a CI log. The error keeps its class, status and code;
its options become the caller's request again, without the handler's token.
*/
export function redactRequestError(error: RequestError, secrets: ReadonlyArray<string | undefined>): void {
	const options = error.options as NormalizedOptions | undefined;
	if (options?.url instanceof URL) {
		for (const placement of ['query', 'body', 'header'] as const) {
			removeToken(options, placement);
		}
	}

	redactError(error, secrets);
	if (error.cause instanceof Error) {
		redactError(error.cause, secrets);
	}

	// The response and the request are the same objects on every error of a request.
	redactUrls(error.response);
	redactUrls(error.request);
}
