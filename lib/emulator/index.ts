/**
The ArcGIS Server + Portal emulator on loopback, for tests and the demo: `startEmulator`.

@packageDocumentation
@module got-arcgis-auth/emulator
*/
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http';
import {createServer as createHttpsServer} from 'node:https';
import type {AddressInfo, Socket} from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';
import {makeCertificate, makeClientPki} from './certificate.js';
import {createContext, type Route} from './context.js';
import {resolveEmulatorOptions, type EmulatorOptions} from './options.js';
import {BodyTooLargeError, readRequest} from './request.js';
import {notFound, type Reply} from './responses.js';
import {adminRoutes} from './routes/admin.js';
import {oauthRoutes, prepareOAuthRoutes} from './routes/oauth.js';
import {portalRoutes} from './routes/portal.js';
import {redirectRoutes} from './routes/redirects.js';
import {federatedRoutes, isFederatedPath, serverRoutes} from './routes/server.js';
import {EmulatorStats, type LogEntry} from './stats.js';
import {serverKey} from './token-store.js';

export type {EmulatorOptions, EnterpriseLogin, ErrorStyle, OAuthInfoStyle} from './options.js';
export type {OAuthApp} from './oauth-apps.js';
export type {TokenPlace} from './request.js';
export type {EmulatorStats, LogEntry} from './stats.js';
export type {TokenKind} from './token-store.js';

/** A token minted by {@link Emulator.issueToken}. */
export type IssuedEmulatorToken = {
	/** The token. */
	token: string;
	/** Its expiry, in milliseconds since the epoch. */
	expires: number;
};

/** A client certificate the emulator's test CA signed (PEM). */
export type EmulatorClientCertificate = {
	/** The certificate; its common name is the user it signs in. */
	readonly certificate: string;
	/** Its private key. */
	readonly key: string;
};

/** A running emulator, as {@link startEmulator} returns it. */
export type Emulator = {
	/** The origin, e.g. `http://127.0.0.1:49152`. */
	readonly url: string;
	/** ArcGIS Server's root: `${url}/arcgis`. */
	readonly serverUrl: string;
	/** Portal's root: `${url}/portal`. */
	readonly portalUrl: string;
	/** Roots of the servers federated with the portal (option `federatedServers`), `${url}/<name>` each. */
	readonly federatedServerUrls: readonly string[];
	/** With `clientCertificates: true`: a client certificate (PEM, common name = the first user) and its key, signed by the emulator's test CA. */
	readonly clientCertificate: EmulatorClientCertificate | undefined;
	/** With `https: true`: the PEM certificate to trust (`https: {certificateAuthority}` in got). */
	readonly certificate: string | undefined;
	/** With `https: true`: a plain-http origin whose every URL redirects (301) to the same path over https. */
	readonly httpUrl: string | undefined;
	/** What the emulator saw: counts per endpoint, token calls, failed logins, a bounded request log. */
	readonly stats: EmulatorStats;
	/** Stops listening and closes every connection, keep-alive ones included. */
	close(): Promise<void>;
	/** Invalidates every token issued so far (what an administrator's "revoke" does), OAuth codes and refresh tokens included. */
	revokeAllTokens(): void;
	/** Invalidates only the server tokens minted for one federated server (give its root, as in `federatedServerUrls`). */
	revokeServerTokens(serverUrl: string): void;
	/** Changes switches while running (lifetime, error style, web tier, latency...); `https` and `clientCertificates` are fixed at start. */
	setOptions(options: Omit<EmulatorOptions, 'port' | 'host' | 'https' | 'clientCertificates'>): void;
	/** Zeroes the counts and empties the log. */
	resetStats(): void;
	/** Mints a valid token directly, as generateToken would (for tests that start from a token). */
	issueToken(username?: string, options?: {lifetimeSeconds?: number; referer?: string}): IssuedEmulatorToken;
};

// The order matters only in that the most specific prefixes come first.
const ROUTES: Route[] = [adminRoutes, serverRoutes, federatedRoutes, oauthRoutes, portalRoutes, redirectRoutes];

function send(response: ServerResponse, reply: Reply): void {
	const body = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
	const headers: Array<[string, string]> = [...(reply.headers ?? [])];
	if (reply.body !== undefined || reply.text !== undefined) {
		headers.push(['content-type', reply.contentType ?? 'application/json; charset=utf-8']);
	}

	headers.push(['content-length', String(Buffer.byteLength(body))]);
	// Repeated names (two WWW-Authenticate headers) need the flat raw form.
	response.writeHead(reply.status, headers.flat());
	response.end(body);
}

async function listen(server: Server, port: number, host: string, sockets: Set<Socket>): Promise<number> {
	server.keepAliveTimeout = 5000;
	// Tracked so close() can end keep-alive connections instead of waiting for their timeout.
	server.on('connection', socket => {
		sockets.add(socket);
		socket.once('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve();
		});
	});
	return (server.address() as AddressInfo).port;
}

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
	await prepareOAuthRoutes(resolved);
	const stats = new EmulatorStats();
	const sockets = new Set<Socket>();
	let origin = '';
	const context = createContext(resolved, stats, () => origin);

	const handle = async (incoming: IncomingMessage, response: ServerResponse): Promise<void> => {
		let reply: Reply;
		let entry: Pick<LogEntry, 'tokenIn' | 'tokenKind' | 'referer'> = {tokenIn: null};
		try {
			const request = await readRequest(incoming, origin);
			const tokenKind = context.tokens.kindOf(request.token);
			entry = {tokenIn: request.tokenIn ?? null, ...(tokenKind ? {tokenKind} : {}), ...(request.referer ? {referer: request.referer} : {})};
			// A federated server's web adaptor allows anonymous access (Esri's setup): tokens guard it.
			const admission =
				context.options.webTier && !isFederatedPath(request.path, context.options.federatedServers) ? context.windowsAuth.admit(incoming.socket, request.headers.authorization, context) : undefined;
			if (admission && 'reply' in admission) {
				reply = admission.reply;
			} else {
				request.webTierUser = admission?.user;
				reply = (await ROUTES.reduce<Reply | Promise<Reply> | undefined>((found, route) => found ?? route(request, context), undefined)) ?? notFound();
			}
		} catch (error: unknown) {
			reply =
				error instanceof BodyTooLargeError
					? {status: 413, body: {error: {code: 413, message: 'Request Entity Too Large', details: []}}}
					: {status: 500, body: {error: {code: 500, message: 'Emulator error', details: []}}};
		}

		if (context.options.latencyMs > 0) {
			await delay(context.options.latencyMs);
		}

		const length = incoming.headers['content-length'];
		stats.record({
			method: incoming.method ?? 'GET',
			path: (incoming.url ?? '/').split('?')[0]!,
			status: reply.status,
			remotePort: incoming.socket.remotePort ?? 0,
			...entry,
			...(length === undefined ? {} : {contentLength: Number(length)}),
		});
		send(response, reply);
	};

	const certificate = resolved.https ? await makeCertificate() : undefined;
	const pki = resolved.clientCertificates ? await makeClientPki([...resolved.users.keys()][0]!) : undefined;
	const onRequest = (incoming: IncomingMessage, response: ServerResponse) => {
		void handle(incoming, response);
	};

	// With client certificates, TLS itself refuses a connection without one the test CA signed.
	const tls = pki ? {requestCert: true, rejectUnauthorized: true, ca: [pki.authority]} : {};
	const server: Server = certificate ? createHttpsServer({cert: certificate.cert, key: certificate.key, ...tls}, onRequest) : createServer(onRequest);
	const port = await listen(server, resolved.port, resolved.host, sockets);
	const scheme = certificate ? 'https' : 'http';
	const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;
	origin = `${scheme}://${host}:${port}`;

	// ArcGIS Server answers on 6080 (http) and 6443 (https); the http side redirects.
	let upgrade: Server | undefined;
	let httpUrl: string | undefined;
	if (certificate) {
		upgrade = createServer((incoming, response) => {
			stats.count('redirect.upgrade');
			response.writeHead(301, {location: `${origin}${incoming.url ?? '/'}`, 'content-length': '0'});
			response.end();
		});
		httpUrl = `http://${host}:${await listen(upgrade, 0, resolved.host, sockets)}`;
	}

	return {
		url: origin,
		serverUrl: `${origin}/arcgis`,
		portalUrl: `${origin}/portal`,
		get federatedServerUrls() {
			return context.options.federatedServers.map(name => `${origin}/${name}`);
		},
		clientCertificate: pki?.client,
		certificate: certificate?.cert,
		httpUrl,
		stats,
		async close() {
			const closed = [server, upgrade]
				.filter(item => item !== undefined)
				.map(
					async item =>
						new Promise<void>(resolve => {
							item.close(() => resolve());
						}),
				);
			for (const socket of sockets) {
				socket.destroy();
			}

			await Promise.all(closed);
		},
		revokeAllTokens() {
			context.tokens.revokeAll();
			context.oauth.clear();
		},
		revokeServerTokens(serverUrl) {
			context.tokens.revokeServer(serverKey(serverUrl));
		},
		setOptions(changes) {
			context.options = resolveEmulatorOptions({
				...context.options,
				users: Object.fromEntries(context.options.users),
				oauthApps: Object.fromEntries(context.options.oauthApps),
				...changes,
				port: resolved.port,
				host: resolved.host,
				https: resolved.https,
				clientCertificates: resolved.clientCertificates,
			});
		},
		resetStats() {
			stats.reset();
		},
		issueToken(username = [...context.options.users.keys()][0]!, issue = {}) {
			return context.tokens.mint(username, (issue.lifetimeSeconds ?? context.options.tokenLifetimeSeconds) * 1000, {referer: issue.referer, kind: 'issued'});
		},
	};
}
