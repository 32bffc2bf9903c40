import type {NormalizedOptions} from 'got';
import type {TokenPlacement} from '../options.js';
import {formText, hasFormBody, hasParam, setFormBody, withParam, withoutParam} from './form-body.js';

/** Where the handler put a token on a request. */
export type Placement = 'query' | 'body' | 'header';

/** The header Esri's servers read a token from when the web tier owns `Authorization`. */
export const TOKEN_HEADER = 'x-esri-authorization';

/** Where `tokenIn` puts the token on this request (`'auto'`: the form body of a form POST, else the query). */
export function choosePlacement(options: NormalizedOptions, tokenIn: TokenPlacement): Placement {
	if (tokenIn === 'auto') {
		return hasFormBody(options) ? 'body' : 'query';
	}

	return tokenIn;
}

/**
Puts the token on the request, replacing one this handler placed before (on a retry or a redirect
hop the options still carry the previous attempt's token).
*/
export function placeToken(options: NormalizedOptions, placement: Placement, token: string): void {
	switch (placement) {
		case 'query': {
			(options.url as URL).searchParams.set('token', token);
			break;
		}

		case 'body': {
			setFormBody(options, withParam(formText(options), 'token', token));
			break;
		}

		case 'header': {
			options.headers[TOKEN_HEADER] = `Bearer ${token}`;
			break;
		}
	}
}

/** Takes a token this handler placed off the request, wherever it was put. */
export function removeToken(options: NormalizedOptions, placement: Placement): void {
	switch (placement) {
		case 'query': {
			(options.url as URL).searchParams.delete('token');
			break;
		}

		case 'body': {
			if (hasFormBody(options)) {
				setFormBody(options, withoutParam(formText(options), 'token'));
			}

			break;
		}

		case 'header': {
			delete options.headers[TOKEN_HEADER];
			break;
		}
	}
}

/**
The caller put a token on the request themselves (query, form body or header): the handler leaves
such a request alone rather than send two tokens.
*/
export function hasCallerToken(options: NormalizedOptions): boolean {
	const url = options.url as URL;
	// Without `oken` or an escape in the query there is no `token` parameter: no URLSearchParams to build.
	const search = url.search;
	const inQuery = (search.includes('oken') || search.includes('%')) && url.searchParams.has('token');
	return inQuery || TOKEN_HEADER in options.headers || (hasFormBody(options) && hasParam(formText(options), 'token'));
}
