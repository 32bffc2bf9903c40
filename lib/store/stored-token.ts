import {TokenAuthenticationError, type ArcGISErrorObject, type TokenAuthenticationErrorCode} from '../errors.js';
import {isJudgedFailure, isTokenText, type IssuedToken} from '../token/issued-token.js';

/**
Token records and refused logins as a store keeps them (JSON), and back. Whatever comes back from a
store is checked as an answer from a server would be: a record that is not one is no token.
Times are milliseconds since the epoch, so that they mean the same on every machine of the fleet.
*/
type TokenRecord = {v: 1; token: string; expires: number | null; expiresAt: number; refreshAt: number; ssl: boolean; by: string | null; since?: number};
/** A refusal as stored: a refused enterprise login's `arcgisError` is null (see WITHOUT_ARCGIS_ERROR). */
type FailureRecord = {v: 1; code: TokenAuthenticationErrorCode; message: string; url: string | null; arcgisError: ArcGISErrorObject | null; until: number};

/** The codes of the refusals a store keeps: those isJudgedFailure keeps in a process. */
const KEPT: ReadonlySet<string> = new Set(['INVALID_CREDENTIALS', 'TOKEN_SERVICE_ERROR', 'OAUTH_ERROR', 'SIGN_IN_REQUIRED', 'SAML_LOGIN_FAILED']);

/** An enterprise login is refused by the identity provider's pages, which carry no ArcGIS error (see isJudgedFailure). */
const WITHOUT_ARCGIS_ERROR = 'SAML_LOGIN_FAILED';

/**
A token record. `by`: the fingerprint of the secret that obtained the token. A process takes a
stored token only if its own secret has the same fingerprint: after a password change, or with a
mistyped one, a process does not borrow the token of a process that has the right password.
`since`: when the holder's login began (see IssuedToken); a record without one (written by an
older version) reads as obtained at 0, as old as any revocation.
*/
export function encodeToken(issued: IssuedToken, by: string | undefined): string {
	const record: TokenRecord = {
		v: 1,
		token: issued.token,
		expires: issued.expires?.getTime() ?? null,
		expiresAt: issued.expiresAt,
		refreshAt: issued.refreshAt,
		ssl: issued.ssl,
		by: by ?? null,
		since: issued.since,
	};
	return JSON.stringify(record);
}

/** The token of a record, if the record is one and was obtained by the secret of fingerprint `by`. */
export function decodeToken(text: string | undefined, by: string | undefined): IssuedToken | undefined {
	const record = parse(text) as Partial<TokenRecord> | undefined;
	if (
		record?.v !== 1 ||
		typeof record.token !== 'string' ||
		!isTokenText(record.token) ||
		!isTime(record.expiresAt) ||
		!isTime(record.refreshAt) ||
		(record.expires !== null && !isTime(record.expires)) ||
		typeof record.ssl !== 'boolean' ||
		record.by !== (by ?? null) ||
		(record.since !== undefined && !isTime(record.since))
	) {
		return undefined;
	}

	const expires = record.expires === null ? undefined : new Date(record.expires);
	return {token: record.token, expires, expiresAt: record.expiresAt, refreshAt: record.refreshAt, ssl: record.ssl, since: record.since ?? 0};
}

/** A refused login, kept until `until`; undefined for an error a store must not keep. */
export function encodeFailure(error: unknown, until: number): string | undefined {
	if (!isJudgedFailure(error)) {
		return undefined;
	}

	const record: FailureRecord = {v: 1, code: error.code, message: error.message, url: error.url ?? null, arcgisError: error.arcgisError ?? null, until};
	return JSON.stringify(record);
}

/** The refusal as this process's error: judged as the original was, so this process keeps it too. */
export function decodeFailure(text: string | undefined): TokenAuthenticationError | undefined {
	const record = parse(text) as Partial<FailureRecord> | undefined;
	if (
		record?.v !== 1 ||
		typeof record.code !== 'string' ||
		!KEPT.has(record.code) ||
		typeof record.message !== 'string' ||
		typeof record.arcgisError !== 'object' ||
		(record.arcgisError === null && record.code !== WITHOUT_ARCGIS_ERROR) ||
		!isTime(record.until)
	) {
		return undefined;
	}

	const until = new Date(record.until).toISOString();
	const message = `${record.message.replace(/\.?$/, '.')} (Refused for a process sharing the token store with the same password: no process tries it again before ${until}, unless given another password.)`;
	return new TokenAuthenticationError(record.code, message, {...(record.url === null || record.url === undefined ? {} : {url: record.url}), arcgisError: record.arcgisError ?? undefined});
}

function isTime(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}

function parse(text: string | undefined): unknown {
	if (text === undefined) {
		return undefined;
	}

	try {
		return JSON.parse(text) as unknown;
	} catch {
		return undefined;
	}
}
