import {RequestError} from 'got';
import {TokenAuthenticationError} from '../errors.js';

/**
The library's own error, out of the wrapper another copy of got put it in.

got wraps anything a hook throws in its `RequestError` unless it already is one, and it checks
against its own class. got is a peer dependency, so normally there is one got and our error (which
extends its `RequestError`) passes as itself. Two copies can still meet — pnpm, a bundler, an
install forced past the peer range — and then the caller's got hands its beforeError hooks its own
`RequestError` with ours as the `cause`: not `instanceof TokenAuthenticationError`, no `url`, no
`arcgisError`. A beforeError hook may return another error, and got (from 14.6.1, our peer range's
floor) rejects with what the hooks return, so the handler gives back ours, carrying that request's
options as `forRequest` does everywhere else.

Only a wrapper made by another got is unwrapped: with one got, a `RequestError` whose cause is ours
was made on purpose by someone, and is theirs.
*/
export function ownError(error: RequestError): RequestError {
	// The type says RequestError, as got declares it; at run time it may be another got's.
	const madeByAnotherGot = !(error instanceof RequestError);
	const {cause, options} = error;
	return madeByAnotherGot && cause instanceof TokenAuthenticationError ? cause.forRequest(options) : error;
}
