import {invalidOption} from './errors.js';
import type {TokenStore} from './store/token-store.js';
import {resolveTls, type TlsMaterial, type TlsOptions} from './tls/client-certificate.js';
import type {MutualAuth} from './web-tier/kerberos.js';

// The types of options that are defined beside what they configure, exported from here with the rest.
export type {MutualAuth} from './web-tier/kerberos.js';
export type {CertificateMaterial, TlsOptions} from './tls/client-certificate.js';

/** Where an acquired token is put on a request. */
export type TokenPlacement = 'auto' | 'query' | 'header';

/** The generateToken `client` kind. */
export type TokenClient = 'referer' | 'requestip' | 'ip';

/** Options shared by every handler. All are optional; the PKI ones ({@link TlsOptions}) are got's `https` names. */
export type AuthOptions = TlsOptions & {
	/** Verify TLS certificates on the handler's own calls (Python `verify=`). Default `true`. */
	verify?: boolean;
	/** The web adaptor / instance name, e.g. `arcgis`, `portal`; `''` for ArcGIS Online. Default: derived from the URL. */
	instance?: string;
	/** Send a GET as a POST with its query moved into a form body. Default `true`. A function decides per URL. */
	forcePost?: boolean | ((url: URL) => boolean);
	/** `'auto'` (form body on form POSTs, else query), `'query'`, or `'header'` (`X-Esri-Authorization`). Default `'auto'`. */
	tokenIn?: TokenPlacement;
	/** generateToken `client`. Default `'referer'`. */
	client?: TokenClient;
	/** generateToken `referer`, also sent as the `Referer` header. Default `'got-arcgis-auth'`. */
	referer?: string;
	/** With `client: 'ip'`: the IP address the token is bound to. */
	ip?: string;
	/** Token lifetime to request, in minutes. Default: the server's. */
	expiration?: number;
	/** Refresh this many seconds before expiry, but never sooner than half the lifetime. Default `120`. */
	refreshMargin?: number;
	/** Allow credentials and tokens over plain http to hosts that are not loopback. Default `false`. */
	allowHttp?: boolean;
	/**
	The deadline, in milliseconds, of each of the handler's own calls (site discovery, generateToken,
	the federation exchange). Default `30000`. A request waiting for one of them gives up sooner by
	its own `timeout.request` or `signal`.
	*/
	callTimeout?: number;
	/**
	A store shared by many processes (`RedisTokenStore` from `got-arcgis-auth/redis`, or your own
	{@link TokenStore}): the fleet logs in once per token lifetime, a refused login is tried once,
	and a token rejected with 498 is refreshed once for all. Default: none (each process on its own).
	*/
	store?: TokenStore;
};

/** Options of the general handlers (ArcGISServerAuth, ArcGISPortalAuth), on top of {@link AuthOptions}. */
export type WebTierOptions = {
	/** The Kerberos service name to ask a ticket for. Default `HTTP@<host as in the URL>`. */
	spn?: string;
	/** Kerberos mutual authentication: `'required'`, `'optional'` (default) or `'disabled'`. */
	mutualAuth?: MutualAuth;
	/** The NTLM workstation name. Default: this machine's host name. */
	workstation?: string;
};

/** Options of the OAuth handlers (ArcGISAppAuth), on top of {@link AuthOptions}. */
export type OAuthOptions = AuthOptions & {
	/**
	The portal the app is registered with: `https://www.arcgis.com` (or the organisation's URL),
	or an Enterprise portal such as `https://gis.example.com/portal`. Default: the portal of the
	first request, as for the other portal handlers.
	*/
	portal?: string;
};

/** Options after defaults and checks: what the rest of the library reads. */
export type ResolvedOptions = {
	verify: boolean;
	instance: string | undefined;
	forcePost: (url: URL) => boolean;
	tokenIn: TokenPlacement;
	client: TokenClient;
	referer: string;
	ip: string | undefined;
	expiration: number | undefined;
	refreshMarginMs: number;
	allowHttp: boolean;
	callTimeoutMs: number;
	spn: string | undefined;
	mutualAuth: MutualAuth;
	workstation: string | undefined;
	/** Client certificate and CA for PKI sites; secrets, never shown. */
	tls: TlsMaterial;
	/** The portal root given with the option `portal` (no `/sharing/rest`, no trailing slash). */
	portal: string | undefined;
	store: TokenStore | undefined;
};

/**
The default deadline of each of the handler's own calls. A site that accepts the connection and
never answers would otherwise hang a script (and the CLI) for ever; a real generateToken answers in
well under a second, a cold ArcGIS Server in a few.
*/
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

const PLACEMENTS: readonly TokenPlacement[] = ['auto', 'query', 'header'];
const CLIENTS: readonly TokenClient[] = ['referer', 'requestip', 'ip'];
const MUTUAL: readonly MutualAuth[] = ['required', 'optional', 'disabled'];

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[], fallback: T): T {
	if (value === undefined) {
		return fallback;
	}

	if (typeof value !== 'string' || !allowed.includes(value as T)) {
		throw invalidOption(`option ${name} must be one of ${allowed.map(item => `'${item}'`).join(', ')}, got ${JSON.stringify(value)}.`);
	}

	return value as T;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
	if (value === undefined) {
		return fallback;
	}

	if (typeof value !== 'boolean') {
		throw invalidOption(`option ${name} must be true or false, got ${JSON.stringify(value)}.`);
	}

	return value;
}

function positive(name: string, value: unknown, unit: string): number | undefined {
	if (value === undefined) {
		return undefined;
	}

	if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
		throw invalidOption(`option ${name} must be a number of ${unit} (0 or more), got ${JSON.stringify(value)}.`);
	}

	return value;
}

function callTimeout(value: unknown): number {
	const ms = positive('callTimeout', value, 'milliseconds') ?? DEFAULT_CALL_TIMEOUT_MS;
	if (ms < 1) {
		throw invalidOption('option callTimeout must be at least 1 millisecond.');
	}

	return ms;
}

function optionalText(name: string, value: unknown, example: string): string | undefined {
	if (value !== undefined && (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value))) {
		throw invalidOption(`option ${name} must be a non-empty string such as ${example}.`);
	}

	return value;
}

/** Applies the defaults of the product contract and rejects what cannot work, by name. */
/** The option `portal` as a portal root: an http(s) URL without query, `/sharing/rest` or trailing slash. */
function portalRoot(value: unknown): string | undefined {
	if (value === undefined) {
		return undefined;
	}

	let url: URL | undefined;
	try {
		url = typeof value === 'string' ? new URL(value) : undefined;
	} catch {
		url = undefined;
	}

	if (!url || !/^https?:$/.test(url.protocol) || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
		throw invalidOption("option portal must be the portal's URL, such as 'https://www.arcgis.com' or 'https://gis.example.com/portal'.");
	}

	const path = url.pathname.replace(/\/+$/, '').replace(/\/sharing(?:\/rest)?$/i, '');
	return `${url.origin}${path}`;
}

const STORE_METHODS = ['get', 'set', 'deleteIf', 'lock', 'unlock', 'notify', 'waitFor'] as const;

/** The option `store`: an object with every method of a TokenStore. */
function tokenStore(value: unknown): TokenStore | undefined {
	if (value === undefined) {
		return undefined;
	}

	const missing = STORE_METHODS.filter(name => typeof (value as Record<string, unknown> | null)?.[name] !== 'function');
	if (missing.length > 0) {
		throw invalidOption(`option store must be a TokenStore (such as RedisTokenStore from got-arcgis-auth/redis); it has no ${missing.join(', ')}.`);
	}

	return value as TokenStore;
}

export function resolveOptions(options: AuthOptions & WebTierOptions & {portal?: string} = {}): ResolvedOptions {
	if (typeof options !== 'object' || options === null) {
		throw invalidOption('options must be an object.');
	}

	const {forcePost, instance, referer, ip} = options;
	if (forcePost !== undefined && typeof forcePost !== 'boolean' && typeof forcePost !== 'function') {
		throw invalidOption('option forcePost must be true, false or a function (url: URL) => boolean.');
	}

	if (instance !== undefined && (typeof instance !== 'string' || /[?#]/.test(instance))) {
		throw invalidOption(`option instance must be a path name such as 'arcgis', or '' for ArcGIS Online; got ${JSON.stringify(instance)}.`);
	}

	if (referer !== undefined && (typeof referer !== 'string' || referer === '' || /[\r\n]/.test(referer))) {
		throw invalidOption('option referer must be a non-empty string on one line.');
	}

	const client = oneOf('client', options.client, CLIENTS, 'referer');
	if (client === 'ip' && (typeof ip !== 'string' || ip === '')) {
		throw invalidOption("option client: 'ip' needs the option ip (the address the token is bound to).");
	}

	const expiration = positive('expiration', options.expiration, 'minutes');
	if (expiration === 0) {
		throw invalidOption('option expiration must be at least 1 minute.');
	}

	return {
		verify: flag('verify', options.verify, true),
		instance,
		forcePost: typeof forcePost === 'function' ? forcePost : () => forcePost ?? true,
		tokenIn: oneOf('tokenIn', options.tokenIn, PLACEMENTS, 'auto'),
		client,
		referer: referer ?? 'got-arcgis-auth',
		ip: client === 'ip' ? ip : undefined,
		expiration,
		refreshMarginMs: (positive('refreshMargin', options.refreshMargin, 'seconds') ?? 120) * 1000,
		allowHttp: flag('allowHttp', options.allowHttp, false),
		callTimeoutMs: callTimeout(options.callTimeout),
		spn: optionalText('spn', options.spn, "'HTTP@gis.example.com'"),
		mutualAuth: oneOf('mutualAuth', options.mutualAuth, MUTUAL, 'optional'),
		workstation: optionalText('workstation', options.workstation, "'WS01'"),
		tls: resolveTls(options),
		portal: portalRoot(options.portal),
		store: tokenStore(options.store),
	};
}

/**
A value from an OAuth app's registration (its client id or secret): text on one line. The message
names what is missing, never the value (a secret in the wrong argument must not reach a log).
*/
export function appRegistration(who: string, what: string, value: unknown): string {
	if (typeof value !== 'string' || value.trim() === '' || /[\r\n]/.test(value)) {
		throw invalidOption(`${who} needs ${what} as a non-empty string on one line (from the app's registration in the portal).`);
	}

	return value;
}

/** Checks the credentials given to a constructor; the message never repeats them. */
export function checkCredentials(username: unknown, password: unknown, required: boolean): void {
	if (!required && username === undefined && password === undefined) {
		return;
	}

	if (typeof username !== 'string' || username.trim() === '') {
		throw invalidOption('username must be a non-empty string.');
	}

	if (typeof password !== 'string' || password === '') {
		throw invalidOption('password must be a non-empty string.');
	}
}
