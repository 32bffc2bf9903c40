import type {TokenAuthenticationErrorCode} from './errors.js';

/** The `name` every warning of this library carries (listen with `process.on('warning')`). */
export const WARNING_NAME = 'TokenAuthenticationWarning';

/** Emits a warning through Node's own channel, so callers filter it like any other warning. */
export function emitAuthWarning(message: string, code: TokenAuthenticationErrorCode): void {
	process.emitWarning(message, {type: WARNING_NAME, code});
}
