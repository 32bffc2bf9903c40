/** Query parameters whose values are secrets wherever they appear in an ArcGIS URL. */
const SECRET_PARAMS = new Set(['token', 'password', 'pass', 'pwd', 'username', 'key', 'apikey', 'api_key', 'access_token', 'refresh_token', 'code', 'client_secret']);

/**
Returns the URL as a string fit for messages and logs: user info dropped, secret query values
replaced. A string that is not a URL is returned with any query cut off.
*/
export function redactUrl(input: URL | string): string {
	let url: URL;
	try {
		url = new URL(input);
	} catch {
		return String(input).split('?')[0] ?? '';
	}

	url.username = '';
	url.password = '';
	for (const name of [...url.searchParams.keys()]) {
		if (SECRET_PARAMS.has(name.toLowerCase())) {
			url.searchParams.set(name, 'REDACTED');
		}
	}

	return url.toString();
}

/** Replaces every occurrence of the given secrets in a text (server messages may echo input). */
export function scrub(text: string, secrets: ReadonlyArray<string | undefined>): string {
	let result = text;
	for (const secret of secrets) {
		// Very short secrets would blank out ordinary words; they are not worth hiding that way.
		if (secret && secret.length >= 4) {
			result = result.split(secret).join('***');
		}
	}

	return result;
}
