/** The CLI's documented exit codes; 1 is left for a failure nothing foresaw (a bug to report). */
export const EXIT = {ok: 0, usage: 2, authentication: 3, http: 4} as const;

/** A mistake in the command line: exit 2 with the message and a pointer to --help. */
export class UsageError extends Error {}
