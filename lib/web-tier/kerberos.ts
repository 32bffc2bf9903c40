import {TokenAuthenticationError} from '../errors.js';

/** The part of the npm `kerberos` package this library uses (declared here: it is optional). */
export type KerberosClient = {
	step(challenge: string): Promise<string | null>;
	contextComplete: boolean;
};

export type KerberosModule = {
	initializeClient(service: string, options?: {mechOID?: number; gssFlag?: number; principal?: string}): Promise<KerberosClient>;
	GSS_MECH_OID_SPNEGO: number;
	GSS_C_MUTUAL_FLAG: number;
	GSS_C_SEQUENCE_FLAG: number;
};

/** Kerberos mutual authentication: the server's answer token must verify (`'required'`: and be present). */
export type MutualAuth = 'required' | 'optional' | 'disabled';

/**
Loads the optional `kerberos` package. An object with a method, not a bare function, so that specs
can simulate its absence with a stub.
*/
export const kerberosLoader = {
	async load(): Promise<KerberosModule> {
		// A variable specifier keeps TypeScript (and bundlers) from requiring the optional package.
		const name = 'kerberos';
		const imported = (await import(name)) as {default?: KerberosModule} & KerberosModule;
		return imported.default ?? imported;
	},
};

let loaded: Promise<KerberosModule | undefined> | undefined;

/** The `kerberos` module, or undefined when it is not installed (looked up once). */
export async function findKerberos(): Promise<KerberosModule | undefined> {
	loaded ??= kerberosLoader.load().catch(() => undefined);
	return loaded;
}

/** @internal For specs: forget whether the module was found. */
export function forgetKerberosModule(): void {
	loaded = undefined;
}

export const KERBEROS_MISSING = "Kerberos needs the optional package 'kerberos' (npm install kerberos; on Linux it builds against libkrb5-dev with a C++ compiler)";

/** The service name to ask a ticket for: `HTTP@<host as in the URL>` (no port), as SPNs are registered. */
export function servicePrincipal(url: URL, override?: string): string {
	return override ?? `HTTP@${url.hostname.replace(/^\[|\]$/g, '')}`;
}

function fail(message: string, url: URL, cause?: unknown): TokenAuthenticationError {
	return new TokenAuthenticationError('WEB_TIER_FAILED', message, {url, cause});
}

/** Words that mark a missing or expired ticket in GSS-API messages. */
const NO_TICKET = /no (?:kerberos )?credentials|credentials cache|ticket expired|KRB5CCNAME|cannot find KDC/i;
/**
"Server HTTP/host@REALM not found in Kerberos database": the ticket is fine, the KDC does not know
the site's service name — typical of a site reached by IP address or by an alias. Telling the user
to run kinit would send them the wrong way.
*/
const UNKNOWN_SPN = /not found in kerberos database/i;

function hintFor(text: string, spn: string): string {
	if (UNKNOWN_SPN.test(text)) {
		return `the KDC does not know the service principal ${spn.replace('@', '/')} (a site reached by IP address or by an alias has none: use the host name its SPN is registered for, or the option spn)`;
	}

	return NO_TICKET.test(text) ? 'no usable Kerberos ticket (run kinit, or set KRB5CCNAME / a client keytab)' : `the Kerberos library failed for ${spn}`;
}

/**
Starts a client context and returns it with the first token for `Authorization: Negotiate`.
A fresh context per request: a Kerberos authenticator is single-use (servers refuse replays).
*/
export async function startKerberos(kerberos: KerberosModule, spn: string, mutualAuth: MutualAuth, url: URL): Promise<{client: KerberosClient; token: string}> {
	const gssFlag = mutualAuth === 'disabled' ? kerberos.GSS_C_SEQUENCE_FLAG : kerberos.GSS_C_MUTUAL_FLAG | kerberos.GSS_C_SEQUENCE_FLAG;
	try {
		const client = await kerberos.initializeClient(spn, {mechOID: kerberos.GSS_MECH_OID_SPNEGO, gssFlag});
		const token = await client.step('');
		if (!token) {
			throw new Error('the Kerberos library produced no token');
		}

		return {client, token};
	} catch (error: unknown) {
		const text = error instanceof Error ? error.message : String(error);
		const hint = hintFor(text, spn);
		throw fail(`Kerberos authentication to ${url.host} failed: ${hint}: ${text}`, url, error);
	}
}

/**
Checks the server's answer token (mutual authentication). 'optional', as Esri's Python clients: a
token that is present must verify; a missing one is accepted. 'required': it must be present.
*/
export async function verifyMutualAuth(client: KerberosClient, serverToken: string | undefined, mutualAuth: MutualAuth, url: URL): Promise<void> {
	if (mutualAuth === 'disabled') {
		return;
	}

	if (serverToken === undefined) {
		if (mutualAuth === 'required') {
			throw fail(`Kerberos mutual authentication failed: ${url.host} sent no token to prove its identity (mutualAuth: 'required').`, url);
		}

		return;
	}

	try {
		await client.step(serverToken);
	} catch (error: unknown) {
		throw fail(`Kerberos mutual authentication failed: the token ${url.host} answered did not verify (${error instanceof Error ? error.message : String(error)}).`, url, error);
	}
}
