/** How the emulator answers an invalid or missing token. */
export type ErrorStyle = 'json' | 'status';

/**
A user: a password, or a password with flags. `admin` (default true) decides whether the user may
get tokens from `/arcgis/admin/generateToken` and use the Administrator API; non-admin users are
portal `org_user`s.
*/
export type EmulatorUser = string | {password: string; admin?: boolean; fullName?: string};

export type EmulatorOptions = {
	/** Port to listen on; 0 (default) picks a free one. */
	port?: number;
	/** Loopback only: `127.0.0.1` (default), `::1` or `localhost`. */
	host?: string;
	/** Users by name (case-sensitive, as ArcGIS). Default `{demo: 'demo1234'}` (an admin). */
	users?: Record<string, EmulatorUser>;
	/** Longest token lifetime in seconds; a request's `expiration` (minutes) is capped at it. Default 3600. */
	tokenLifetimeSeconds?: number;
	/** `'json'`: HTTP 200 with `{"error": {"code": 498}}`, as ArcGIS usually answers (default); `'status'`: real HTTP 498/499. */
	errorsAs?: ErrorStyle;
	/** Tokens made with `client=referer` are valid only with the same `Referer` header. Default true. */
	refererBound?: boolean;
	/** generateToken answers `ssl: true` and portals/self `allSSL: true` (an HTTPS-only organisation). Default false. */
	ssl?: boolean;
	/** Lock a user after this many failed logins in a row (0: never, the default). */
	lockoutAfter?: number;
	/** Delay added to every response, in ms. Default 0. */
	latencyMs?: number;
	/** `'negotiate-ntlm'`: requests without an `Authorization` header get IIS's 401 with two challenges. Default false. */
	webTier?: false | 'negotiate-ntlm';
	/** How rest/info advertises the token service: `.../tokens/generateToken` (default) or `.../tokens/`. */
	tokenServicesUrlStyle?: 'generateToken' | 'trailing-slash';
	/**
	HTTPS with a self-signed certificate made at start (see `certificate` on the emulator), plus a
	plain-http listener (`httpUrl`) that redirects to it, as ArcGIS Server's 6080 → 6443. Default false.
	*/
	https?: boolean;
};

/** What `setOptions` may change while running: everything but where and how it listens. */
export type EmulatorSwitches = Omit<EmulatorOptions, 'port' | 'host' | 'https'>;

export type ResolvedUser = {password: string; admin: boolean; fullName: string};

export type ResolvedEmulatorOptions = Required<Omit<EmulatorOptions, 'users'>> & {users: ReadonlyMap<string, ResolvedUser>};

const KNOWN = new Set<string>(['port', 'host', 'users', 'tokenLifetimeSeconds', 'errorsAs', 'refererBound', 'ssl', 'lockoutAfter', 'latencyMs', 'webTier', 'tokenServicesUrlStyle', 'https']);

/** Loopback names only, spelled out: an emulator with a default password must never face a network. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

export class EmulatorOptionsError extends TypeError {
	constructor(message: string) {
		super(`got-arcgis-auth emulator: ${message}`);
		this.name = 'EmulatorOptionsError';
	}
}

function fail(message: string): never {
	throw new EmulatorOptionsError(message);
}

function number(name: string, value: unknown, fallback: number, rule: {integer?: boolean; max?: number; positive?: boolean} = {}): number {
	if (value === undefined) {
		return fallback;
	}

	const ok = typeof value === 'number' && Number.isFinite(value) && value >= 0
		&& (!rule.integer || Number.isInteger(value))
		&& (rule.max === undefined || value <= rule.max)
		&& (!rule.positive || value > 0);
	if (!ok) {
		const what = rule.integer ? 'a whole number' : 'a number';
		fail(`option ${name} must be ${what} ${rule.positive ? 'above 0' : 'of 0 or more'}${rule.max === undefined ? '' : ` and at most ${rule.max}`}, got ${JSON.stringify(value)}.`);
	}

	return value;
}

function boolean(name: string, value: unknown, fallback: boolean): boolean {
	if (value === undefined) {
		return fallback;
	}

	if (typeof value !== 'boolean') {
		fail(`option ${name} must be true or false, got ${JSON.stringify(value)}.`);
	}

	return value;
}

function oneOf<T extends string | false>(name: string, value: unknown, allowed: readonly T[]): T {
	if (value === undefined) {
		return allowed[0]!;
	}

	if (!allowed.includes(value as T)) {
		fail(`option ${name} must be one of ${allowed.map(item => JSON.stringify(item)).join(', ')}, got ${JSON.stringify(value)}.`);
	}

	return value as T;
}

function resolveUsers(value: unknown): Map<string, ResolvedUser> {
	if (value === undefined) {
		return new Map([['demo', {password: 'demo1234', admin: true, fullName: 'Demo User'}]]);
	}

	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		fail('option users must be an object mapping user names to passwords.');
	}

	const users = new Map<string, ResolvedUser>();
	for (const [name, entry] of Object.entries(value)) {
		const user: unknown = typeof entry === 'string' ? {password: entry} : entry;
		if (name === '' || typeof user !== 'object' || user === null) {
			fail(`option users: ${JSON.stringify(name)} must map to a password or {password, admin?, fullName?}.`);
		}

		const {password, admin, fullName} = user as {password?: unknown; admin?: unknown; fullName?: unknown};
		if (typeof password !== 'string' || password === '') {
			fail(`option users: the password of ${JSON.stringify(name)} must be a non-empty string.`);
		}

		users.set(name, {password, admin: boolean(`users.${name}.admin`, admin, true), fullName: typeof fullName === 'string' ? fullName : name});
	}

	if (users.size === 0) {
		fail('option users must name at least one user.');
	}

	return users;
}

/** Defaults and checks, with messages that name the option; unknown names are refused (a typo would silently do nothing). */
export function resolveEmulatorOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
	if (typeof options !== 'object' || options === null) {
		fail('options must be an object.');
	}

	const unknown = Object.keys(options).filter(key => !KNOWN.has(key));
	if (unknown.length > 0) {
		fail(`unknown option ${unknown.map(key => JSON.stringify(key)).join(', ')}; known: ${[...KNOWN].join(', ')}.`);
	}

	const host = options.host ?? '127.0.0.1';
	if (typeof host !== 'string' || !LOOPBACK_HOSTS.has(host.toLowerCase())) {
		fail(`option host must be a loopback address (127.0.0.1, ::1 or localhost), got ${JSON.stringify(host)}.`);
	}

	return {
		port: number('port', options.port, 0, {integer: true, max: 65_535}),
		host: host.toLowerCase(),
		users: resolveUsers(options.users),
		tokenLifetimeSeconds: number('tokenLifetimeSeconds', options.tokenLifetimeSeconds, 3600, {positive: true}),
		errorsAs: oneOf('errorsAs', options.errorsAs, ['json', 'status'] as const),
		refererBound: boolean('refererBound', options.refererBound, true),
		ssl: boolean('ssl', options.ssl, false),
		lockoutAfter: number('lockoutAfter', options.lockoutAfter, 0, {integer: true}),
		latencyMs: number('latencyMs', options.latencyMs, 0),
		webTier: oneOf('webTier', options.webTier, [false, 'negotiate-ntlm'] as const),
		tokenServicesUrlStyle: oneOf('tokenServicesUrlStyle', options.tokenServicesUrlStyle, ['generateToken', 'trailing-slash'] as const),
		https: boolean('https', options.https, false),
	};
}

/** The options after a run-time change: the listening ones stay as they were at start. */
export function changeEmulatorOptions(current: EmulatorOptions, changes: EmulatorSwitches): {input: EmulatorOptions; resolved: ResolvedEmulatorOptions} {
	if (typeof changes !== 'object' || changes === null) {
		fail('setOptions takes an object.');
	}

	const fixed = (['port', 'host', 'https'] as const).filter(key => key in changes);
	if (fixed.length > 0) {
		fail(`${fixed.join(', ')} cannot change while the emulator runs; start another emulator instead.`);
	}

	const input = {...current, ...changes};
	return {input, resolved: resolveEmulatorOptions(input)};
}
