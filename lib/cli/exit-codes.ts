import {RequestError} from 'got';
import {TokenAuthenticationError} from '../errors.js';

/** The CLI's documented exit codes. */
export const EXIT = {ok: 0, usage: 2, authentication: 3, http: 4} as const;

/** A mistake in the command line: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {}

/** Which exit code an error means. */
export function exitCodeFor(error: unknown): number {
	if (error instanceof UsageError || (error instanceof TokenAuthenticationError && error.code === 'INVALID_OPTION')) {
		return EXIT.usage;
	}

	if (error instanceof TokenAuthenticationError) {
		return EXIT.authentication;
	}

	return error instanceof RequestError ? EXIT.http : 1;
}
