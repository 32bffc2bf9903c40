import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {redactUrl} from '../site/redact.js';
import {SingleFlight} from '../single-flight.js';
import type {ArcGISClient, CallContext} from '../token/arcgis-client.js';
import {readSiteInfo, type SiteInfoAnswer} from '../token/site-info.js';
import {offersWebTier} from '../web-tier/mechanism.js';
import type {Challenge} from '../web-tier/www-authenticate.js';
import {isHostedByOnline, isOwnedBy, portalRootFrom} from './owning-system.js';

/**
How a portal handler authenticates a request to an ArcGIS Server outside its portal:
- `exchange`: the server is federated with the portal; it gets a server token of its own, from the
  portal's generateToken with `serverUrl`;
- `portal`: ArcGIS Online's own hosting server; the portal's token goes as it is;
- `none`: the server has no token security; requests go without a token;
- `web-tier`: the server's `rest/info` answered 401 (IIS Integrated Windows Authentication in front
  of it): a general handler authenticates it with Kerberos/NTLM, as it did before federation.
*/
export type ServerPlan = {kind: 'exchange'; portalRoot: string} | {kind: 'portal'; portalRoot: string} | {kind: 'none'} | {kind: 'web-tier'; challenges: Challenge[]; infoUrl: URL};

type ServerInfo =
	| {tokenBased: boolean; owningSystemUrl: string | undefined}
	| {webTier: Challenge[]; infoUrl: URL}
	/** The root did not answer as an ArcGIS Server; remembered until `until` (local clock). */
	| {notArcGIS: string; until: number};

/** How long a root that did not answer as an ArcGIS Server passes requests through before it is probed again. */
export const NOT_ARCGIS_MEMORY_MS = 60_000;
/** How many server roots the handler remembers; the least recently used is forgotten first. */
export const MAX_REMEMBERED_ROOTS = 256;

/**
Decides, per server root, whether a portal's token (or a server token made from it) may go there.
The server's `rest/info` is read once per root (single flight); its `owningSystemUrl` must name
the handler's portal, or the portal's token never reaches it.
*/
export class Federation {
	readonly #client: ArcGISClient;
	readonly #label: string;
	readonly #infos = new Map<string, SingleFlight<ServerInfo>>();
	readonly #hasWebTier: boolean;

	constructor(client: ArcGISClient, label: string, hasWebTier: boolean) {
		this.#client = client;
		this.#label = label;
		this.#hasWebTier = hasWebTier;
	}

	/**
	The plan for a server root. `portalRoot` is the handler's portal when it is known; when it is not
	(the first request went to a server), the portal the server names is taken as the handler's.
	*/
	async plan(serverRoot: string, portalRoot: string | undefined, call: CallContext): Promise<ServerPlan> {
		if (portalRoot !== undefined && isHostedByOnline(serverRoot, portalRoot)) {
			// ArcGIS Online's hosting servers take the organisation's token; no look-up needed.
			return {kind: 'portal', portalRoot};
		}

		const info = await this.#info(serverRoot, call);
		if ('notArcGIS' in info) {
			// Another web API that happens to have a `rest` segment (`/api/rest/v1/...`): its request
			// goes as it was sent, as for any other origin.
			return {kind: 'none'};
		}

		if ('webTier' in info) {
			return {kind: 'web-tier', challenges: info.webTier, infoUrl: info.infoUrl};
		}

		if (!info.tokenBased) {
			return {kind: 'none'};
		}

		const owner = info.owningSystemUrl;
		const portal = portalRoot ?? (owner === undefined ? undefined : portalRootFrom(owner, new URL(serverRoot)));
		if (owner === undefined || portal === undefined || !isOwnedBy(owner, portal)) {
			throw this.notFederated(serverRoot, owner, portalRoot);
		}

		debug('%s: %s is federated with %s', this.#label, redactUrl(serverRoot), redactUrl(portal));
		return isHostedByOnline(serverRoot, portal) ? {kind: 'portal', portalRoot: portal} : {kind: 'exchange', portalRoot: portal};
	}

	reset(): void {
		this.#infos.clear();
	}

	async #info(serverRoot: string, call: CallContext): Promise<ServerInfo> {
		let flight = this.#infos.get(serverRoot);
		if (flight) {
			// Most recently used last: the first key is the one to forget.
			this.#infos.delete(serverRoot);
		} else {
			flight = new SingleFlight<ServerInfo>(`the federation look-up of ${redactUrl(serverRoot)}`);
		}

		this.#infos.set(serverRoot, flight);
		if (this.#infos.size > MAX_REMEMBERED_ROOTS) {
			this.#infos.delete(this.#infos.keys().next().value!);
		}

		const read = async (signal: AbortSignal) => this.#read(serverRoot, call, signal);
		const info = await flight.get(read, call.patience);
		if ('notArcGIS' in info && Date.now() >= info.until) {
			flight.clear();
			return flight.get(read, call.patience);
		}

		return info;
	}

	async #read(serverRoot: string, call: CallContext, signal: AbortSignal): Promise<ServerInfo> {
		const infoUrl = new URL(`${serverRoot}/rest/info?f=json`);
		debug('%s: reading %s for federation', this.#label, infoUrl.href);
		let info: SiteInfoAnswer;
		try {
			info = await readSiteInfo(this.#client, infoUrl, new URL(`${serverRoot}/tokens/generateToken`), {...call, signal});
		} catch (error: unknown) {
			return this.#unanswered(serverRoot, error, signal);
		}

		if ('security' in info) {
			return {tokenBased: info.security.tokenBased, owningSystemUrl: info.security.owningSystemUrl};
		}

		if (!offersWebTier(info.unauthorized)) {
			// A Basic or bearer realm, or no challenge at all: not an IIS web adaptor in front of ArcGIS.
			return this.#passThrough(serverRoot, 'a 401 without Negotiate or NTLM');
		}

		if (this.#hasWebTier) {
			return {webTier: info.unauthorized, infoUrl};
		}

		throw new TokenAuthenticationError(
			'DISCOVERY_FAILED',
			`${infoUrl.origin}${infoUrl.pathname} answered HTTP 401: the server is behind web-tier authentication, so its federation cannot be read. Esri's federated setup lets the server's web adaptor allow anonymous access; otherwise use ArcGISServerAuth for this server.`,
			{url: infoUrl},
		);
	}

	/**
	The probe failed. Not an answer (not JSON, no authInfo, an HTTP error, no connection): the root is
	not an ArcGIS Server, or not reachable as one. An ArcGIS error body (a server that wants a token
	for its rest/info) is an answer, and an abandoned call says nothing about the host: both are thrown.
	*/
	#unanswered(serverRoot: string, error: unknown, signal: AbortSignal): ServerInfo {
		const unanswered = error instanceof TokenAuthenticationError && error.arcgisError === undefined && (error.code === 'DISCOVERY_FAILED' || error.code === 'NETWORK_ERROR');
		if (!unanswered || signal.aborted) {
			throw error;
		}

		return this.#passThrough(serverRoot, error.code);
	}

	/**
	A root that is not an ArcGIS Server: the portal's token has no business there, and the request is
	the caller's to send. Remembered for a while, so that not every request to such a host costs a probe.
	*/
	#passThrough(serverRoot: string, why: string): ServerInfo {
		debug('%s: %s is not an ArcGIS Server (%s); its requests pass through', this.#label, redactUrl(serverRoot), why);
		return {notArcGIS: why, until: Date.now() + NOT_ARCGIS_MEMORY_MS};
	}

	/** The error for a token-secured server that names another portal (or none) than the handler's. */
	notFederated(serverRoot: string, owner: string | undefined, portalRoot: string | undefined): TokenAuthenticationError {
		const server = redactUrl(serverRoot);
		const names = owner === undefined ? 'names no owning portal (a standalone server)' : `names ${redactUrl(owner)} as its portal`;
		const portal = portalRoot === undefined ? 'this handler has no portal yet' : `this handler's portal is ${redactUrl(portalRoot)}`;
		return new TokenAuthenticationError(
			'NOT_FEDERATED',
			`${this.#label}: ${server} wants a token, but it ${names} and ${portal}, so the portal's token is not sent there. Use ArcGISServerTokenAuth (or ArcGISServerAuth) with an account of that server.`,
			{url: serverRoot},
		);
	}
}
