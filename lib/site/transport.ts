import {isIP} from 'node:net';
import {TokenAuthenticationError} from '../errors.js';

/**
Loopback by the URL's host name alone, never by DNS: a name that merely resolves to 127.0.0.1
today could resolve elsewhere tomorrow.
*/
export function isLoopbackHost(hostname: string): boolean {
	// Asked on every request over http: the last answer is kept (a script talks to one host or two).
	if (hostname === lastHost) {
		return lastAnswer;
	}

	lastHost = hostname;
	lastAnswer = judgeLoopback(hostname);
	return lastAnswer;
}

let lastHost: string | undefined;
let lastAnswer = false;

function judgeLoopback(hostname: string): boolean {
	const host = hostname
		.toLowerCase()
		.replace(/^\[|\]$/g, '')
		.replace(/\.$/, '');
	if (host === 'localhost' || host.endsWith('.localhost')) {
		return true;
	}

	if (isIP(host) === 4) {
		return host.startsWith('127.');
	}

	return host === '::1' || host === '0:0:0:0:0:0:0:1';
}

export type TransportRule = {
	allowHttp: boolean;
	/** The token came with `ssl: true`: the organisation is HTTPS-only. */
	sslOnly?: boolean;
};

/**
The one place that decides whether a password or token may travel to a URL: https always;
plain http only to loopback or with `allowHttp`, and never for an `ssl: true` token.
*/
export function assertSecureTransport(url: URL, what: 'credentials' | 'a token', rule: TransportRule): void {
	if (url.protocol !== 'http:') {
		return;
	}

	if (rule.sslOnly) {
		throw new TokenAuthenticationError(
			'INSECURE_TRANSPORT',
			`Refusing to send ${what} to ${url.host} over plain http: the token service said this organisation is HTTPS-only (ssl: true). Use an https:// URL.`,
			{url},
		);
	}

	if (!rule.allowHttp && !isLoopbackHost(url.hostname)) {
		throw new TokenAuthenticationError(
			'INSECURE_TRANSPORT',
			`Refusing to send ${what} to ${url.host} over plain http. Use an https:// URL, or pass the option allowHttp: true if this network is trusted.`,
			{url},
		);
	}
}
