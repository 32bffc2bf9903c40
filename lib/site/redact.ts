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

/** `name=value` of a secret parameter inside free text (got's messages quote whole URLs). */
const SECRET_PAIR = new RegExp(`([?&;](?:${[...SECRET_PARAMS].join('|')})=)[^&;#\\s"'<>]*`, 'gi');

/**
A text fit for a message or a log: secret query values of any URL quoted in it replaced, and then
every given secret (a token that travelled elsewhere, a password a server echoed) scrubbed.
*/
export function redactText(text: string, secrets: ReadonlyArray<string | undefined>): string {
	return scrub(text.replace(SECRET_PAIR, '$1REDACTED'), secrets);
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
