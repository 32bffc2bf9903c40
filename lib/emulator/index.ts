import {makeCertificate} from './certificate.js';
import {syncPortalUsers, type EmulatorContext} from './context.js';
import {createDispatcher} from './dispatch.js';
import {listen, type Listener} from './listener.js';
import {changeEmulatorOptions, EmulatorOptionsError, resolveEmulatorOptions, type EmulatorOptions, type EmulatorSwitches} from './options.js';
import {EmulatorStats} from './stats.js';
import {serverKey, TokenStore} from './token-store.js';

export {EmulatorOptionsError} from './options.js';
export type {EmulatorOptions, EmulatorSwitches, EmulatorUser, ErrorStyle} from './options.js';
export type {EmulatorStats, LogEntry} from './stats.js';
export {LOG_LIMIT} from './stats.js';

export type IssueTokenOptions = {
	/** Lifetime from now, in seconds; 0 or less makes a token that is already expired. Default: the `tokenLifetimeSeconds` option. */
	lifetimeSeconds?: number;
	/** An absolute expiry instead (ms since the epoch, or a Date); wins over `lifetimeSeconds`. */
	expires?: number | Date;
	/** Bind the token to this Referer, as `client=referer` does. */
	referer?: string;
	/** A server token from the federation exchange: good for this server root only. */
	serverUrl?: string;
};

export type Emulator = {
	/** The origin, e.g. `http://127.0.0.1:49152`. */
	readonly url: string;
	/** ArcGIS Server's root: `${url}/arcgis`. */
	readonly serverUrl: string;
	/** Portal's root: `${url}/portal`. */
	readonly portalUrl: string;
	/** With `https: true`: the PEM certificate to trust (`https: {certificateAuthority}` in got). */
	readonly certificate: string | undefined;
	/** With `https: true`: a plain-http origin whose every URL redirects (301) to the same path over https. */
	readonly httpUrl: string | undefined;
	readonly stats: EmulatorStats;
	/** Stops listening and ends every connection, keep-alive ones included. Safe to call twice. */
	close(): Promise<void>;
	/** Invalidates every token issued so far (what an administrator's "invalidate tokens" does). */
	revokeAllTokens(): void;
	/** Changes switches while running (lifetime, error style, web tier, latency, users...); validated like the start options. */
	setOptions(changes: EmulatorSwitches): void;
	/** Zeroes the counts and totals and empties the log. */
	resetStats(): void;
	/** Forgets failed logins, so locked users can log in again. */
	unlockUsers(): void;
	/** Mints a valid token directly, as generateToken would (for tests that start from a token). */
	issueToken(username?: string, options?: IssueTokenOptions): {token: string; expires: number};
};

const urlHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

/**
Starts an ArcGIS Server + Portal emulator on loopback: real sockets and keep-alive, the token and
error shapes of the real products, and switches for the situations scripts must survive.

```ts
const emu = await startEmulator({tokenLifetimeSeconds: 60});
const auth = new ArcGISServerTokenAuth('demo', 'demo1234');
await got(`${emu.serverUrl}/rest/services?f=json`, {hooks: auth.hooks}).json();
await emu.close();
```
*/
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
	const resolved = resolveEmulatorOptions(options);
	let input: EmulatorOptions = {...options};
	let origin = '';
	const context: EmulatorContext = {
		options: resolved,
		tokens: new TokenStore(),
		stats: new EmulatorStats(),
		get origin() {
			return origin;
		},
		failures: new Map(),
		stopped: new Set(),
		portalUsers: new Map(),
	};
	syncPortalUsers(context);

	const closing = new AbortController();
	const certificate = resolved.https ? makeCertificate() : undefined;
	const listeners: Listener[] = [];
	const main = await listen(createDispatcher(context, closing.signal), {port: resolved.port, host: resolved.host, certificate});
	listeners.push(main);
	origin = `${certificate ? 'https' : 'http'}://${urlHost(resolved.host)}:${main.port}`;

	// ArcGIS Server listens on 6080 (http) and 6443 (https); with HTTPS on, the http side only redirects.
	let httpUrl: string | undefined;
	if (certificate) {
		try {
			const upgrade = await listen((incoming, response) => {
				context.stats.count('redirect.upgrade');
				response.writeHead(301, {location: `${origin}${incoming.url ?? '/'}`, 'content-length': '0'});
				response.end();
			}, {port: 0, host: resolved.host});
			listeners.push(upgrade);
			httpUrl = `http://${urlHost(resolved.host)}:${upgrade.port}`;
		} catch (error: unknown) {
			await main.close();
			throw error;
		}
	}

	return {
		url: origin,
		serverUrl: `${origin}/arcgis`,
		portalUrl: `${origin}/portal`,
		certificate: certificate?.cert,
		httpUrl,
		stats: context.stats,
		async close() {
			closing.abort();
			await Promise.all(listeners.map(async listener => listener.close()));
		},
		revokeAllTokens() {
			context.tokens.revokeAll();
		},
		setOptions(changes) {
			const next = changeEmulatorOptions(input, changes);
			input = next.input;
			context.options = next.resolved;
			syncPortalUsers(context);
		},
		resetStats() {
			context.stats.reset();
		},
		unlockUsers() {
			context.failures.clear();
		},
		issueToken(username = [...context.options.users.keys()][0]!, issue = {}) {
			if (!context.options.users.has(username)) {
				throw new EmulatorOptionsError(`issueToken: no user ${JSON.stringify(username)} (users: ${[...context.options.users.keys()].join(', ')}).`);
			}

			const expires = issue.expires === undefined
				? Date.now() + (issue.lifetimeSeconds ?? context.options.tokenLifetimeSeconds) * 1000
				: Number(issue.expires);
			return context.tokens.mint(username, expires, {
				binding: issue.referer === undefined ? {kind: 'none'} : {kind: 'referer', referer: issue.referer},
				scope: issue.serverUrl === undefined ? {kind: 'site'} : {kind: 'server', serverUrl: serverKey(issue.serverUrl)},
			});
		},
	};
}
