import type {ResolvedOptions} from '../options.js';

/**
The generateToken fields every request for a token carries, whoever asks: `client` (with its
`referer` or `ip`), the `expiration` asked for, and `f=json`; `fields` adds what this request is
about (credentials, `serverUrl`).
*/
export function tokenForm(settings: Pick<ResolvedOptions, 'client' | 'referer' | 'ip' | 'expiration'>, fields: Record<string, string>): Record<string, string> {
	const {client, referer, ip, expiration} = settings;
	const form: Record<string, string> = {...fields, client, f: 'json'};
	if (client === 'referer') {
		form.referer = referer;
	}

	if (ip !== undefined) {
		form.ip = ip;
	}

	if (expiration !== undefined) {
		form.expiration = String(expiration);
	}

	return form;
}
