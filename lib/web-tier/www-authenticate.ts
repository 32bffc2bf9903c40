/** One challenge of a `WWW-Authenticate` header. */
export type Challenge = {
	/** The scheme in lower case (`negotiate`, `ntlm`, `basic`, `bearer`...). */
	scheme: string;
	/** The token68 that follows the scheme (the data of `Negotiate <token>` / `NTLM <token>`). */
	token?: string;
	/** Auth-params such as `realm`, unquoted; names in lower case. */
	params: Record<string, string>;
};

const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
const PARAM = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*(.*)$/s;
const SCHEME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Splits at commas that are outside quoted strings. */
function splitElements(value: string): string[] {
	const elements: string[] = [];
	let current = '';
	let quoted = false;
	for (let index = 0; index < value.length; index++) {
		const char = value[index]!;
		if (quoted && char === '\\' && index + 1 < value.length) {
			current += char + value[++index]!;
			continue;
		}

		if (char === '"') {
			quoted = !quoted;
		}

		if (char === ',' && !quoted) {
			elements.push(current.trim());
			current = '';
		} else {
			current += char;
		}
	}

	elements.push(current.trim());
	return elements.filter(element => element !== '');
}

function unquote(value: string): string {
	const trimmed = value.trim();
	if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) {
		return trimmed.slice(1, -1).replaceAll(/\\(.)/g, '$1');
	}

	return trimmed;
}

/**
Parses one `WWW-Authenticate` value, which may hold several challenges joined by commas (as Node
joins repeated headers): `Negotiate, NTLM`, `NTLM TlRMTVNTUAACAAAA...`, `Basic realm="a, b"`.
Anything unreadable is skipped, never thrown: a server's odd header must not fail the request.
*/
export function parseChallenges(value: string): Challenge[] {
	const challenges: Challenge[] = [];
	for (const element of splitElements(value)) {
		// `name=value` (a scheme is never followed directly by `=`) continues the previous challenge.
		const param = PARAM.exec(element);
		if (param) {
			const last = challenges.at(-1);
			if (last) {
				last.params[param[1]!.toLowerCase()] = unquote(param[2]!);
			}

			continue;
		}

		const space = element.search(/\s/);
		const head = space === -1 ? element : element.slice(0, space);
		const rest = space === -1 ? '' : element.slice(space).trim();
		if (!SCHEME.test(head)) {
			continue;
		}

		// A null prototype: a server's `__proto__=...` parameter stays a parameter.
		const challenge: Challenge = {scheme: head.toLowerCase(), params: Object.create(null) as Record<string, string>};
		if (rest !== '') {
			const restParam = TOKEN68.test(rest) ? undefined : PARAM.exec(rest);
			if (restParam) {
				challenge.params[restParam[1]!.toLowerCase()] = unquote(restParam[2]!);
			} else {
				// Data that is not a valid token68 is kept as it came: the mechanism that reads it
				// (NTLM, Kerberos) says precisely what is wrong with it.
				challenge.token = rest;
			}
		}

		challenges.push(challenge);
	}

	return challenges;
}

/**
Every challenge of a response, read from its raw headers: IIS sends `Negotiate` and `NTLM` as two
headers, which Node's `headers` object joins into one string. Accepts Node's flat `rawHeaders`
array, or a header value or list of values.
*/
export function readChallenges(source: {rawHeaders?: string[]; headers?: Record<string, string | string[] | undefined>}): Challenge[] {
	const values: string[] = [];
	const raw = source.rawHeaders;
	if (raw && raw.length > 0) {
		for (let index = 0; index + 1 < raw.length; index += 2) {
			if (raw[index]!.toLowerCase() === 'www-authenticate') {
				values.push(raw[index + 1]!);
			}
		}
	} else {
		const header = source.headers?.['www-authenticate'];
		values.push(...(Array.isArray(header) ? header : header === undefined ? [] : [header]));
	}

	return values.flatMap(value => parseChallenges(value));
}

/** The token of the first challenge of that scheme that carries one. */
export function challengeToken(challenges: readonly Challenge[], scheme: string): string | undefined {
	return challenges.find(challenge => challenge.scheme === scheme.toLowerCase() && challenge.token !== undefined)?.token;
}
