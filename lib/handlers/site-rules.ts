import {debug} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {isAdminUrl} from '../site/site-root.js';
import type {Site} from '../site/site.js';
import type {ArcGISClient, CallContext} from '../token/arcgis-client.js';
import {readSiteInfo} from '../token/site-info.js';
import type {TokenEndpoint} from '../token/token-endpoint.js';
import {SingleFlight} from '../single-flight.js';
import {emitAuthWarning} from '../warnings.js';
import type {WebTier} from '../web-tier/web-tier.js';
import type {Challenge} from '../web-tier/www-authenticate.js';

/** Which product a handler talks to. */
export type SiteKind = 'server' | 'portal';

/** How a site wants to be authenticated, as its info endpoint answered an anonymous GET. */
type Posture = {mode: 'token'; tokenServicesUrl: URL; forServer?: string} | {mode: 'anonymous'} | {mode: 'web-tier'} | {mode: 'certificate'};

/** A portal's token service, as a federated server's rest/info advertises it. */
const PORTAL_TOKEN_SERVICE = /\/sharing(?:\/rest)?\/generatetoken\/?$/i;

/**
Where a site's tokens come from — the one difference between server and portal handlers:

- server: `{root}/rest/info` says whether the site uses tokens and where they come from; URLs
  under `{root}/admin` use `{root}/admin/generateToken`, which is never advertised;
- portal: `{root}/sharing/rest/generateToken`; the general handler first asks
  `{root}/sharing/rest/info` (a GET: the original's HEAD probe failed on some sites).

An anonymous 401 on the probe means the web tier (IIS Integrated Windows Authentication) owns the
site: general handlers hand it to their WebTier, token handlers say which class to use instead.
A general handler with a client certificate and no password on a token site is in the PKI case:
the web adaptor knows the user by the certificate, so requests go without a token.
*/
export class SiteRules {
	readonly #kind: SiteKind;
	readonly #client: ArcGISClient;
	readonly #label: string;
	readonly #webTier: WebTier | undefined;
	readonly #certificateIsIdentity: () => boolean;
	#posture = new SingleFlight<Posture>('the site discovery (rest/info)');
	/** Endpoints made once per site: a request with a fresh token parses no URL. */
	#endpoints: {site?: TokenEndpoint; admin?: TokenEndpoint} = {};
	#warned = false;

	constructor(kind: SiteKind, client: ArcGISClient, label: string, webTier: WebTier | undefined, certificateIsIdentity: () => boolean = () => false) {
		this.#kind = kind;
		this.#certificateIsIdentity = certificateIsIdentity;
		this.#client = client;
		this.#label = label;
		this.#webTier = webTier;
	}

	/** The token endpoint for a URL of the site, or undefined when requests go without a token. */
	async tokenEndpoint(url: URL, site: Site, call: CallContext): Promise<TokenEndpoint | undefined> {
		const known = this.tokenEndpointNow(url, site);
		if (known !== 'unknown') {
			return known;
		}

		const posture = await this.#posture.get(async signal => this.#probe(site, {...call, signal}), call.patience);
		return this.#endpoint(url, site, posture);
	}

	/**
	The same, without waiting: 'unknown' until the site's posture has been read. Undefined only when
	the site takes no token anywhere (its posture is not token security): the router relies on it.
	*/
	tokenEndpointNow(url: URL, site: Site): TokenEndpoint | undefined | 'unknown' {
		// The portal token handler needs no probe: the portal's token endpoint never moves.
		if (this.#kind === 'portal' && !this.#webTier) {
			return (this.#endpoints.site ??= {url: new URL(`${site.root}/sharing/rest/generateToken`)});
		}

		const posture = this.#posture.peek();
		return posture === undefined ? 'unknown' : this.#endpoint(url, site, posture);
	}

	reset(): void {
		this.#posture.clear();
		this.#endpoints = {};
		this.#warned = false;
	}

	#endpoint(url: URL, site: Site, posture: Posture): TokenEndpoint | undefined {
		if (posture.mode === 'anonymous' && !this.#warned) {
			this.#warned = true;
			// The original's behaviour: say so once and carry on without a token.
			emitAuthWarning(`${site.root} does not use token security (isTokenBasedSecurity is not true); requests are sent without a token.`, 'NO_TOKEN_SECURITY');
		}

		if (posture.mode !== 'token') {
			return undefined;
		}

		if (this.#kind === 'server' && isAdminUrl(url, site.root)) {
			return (this.#endpoints.admin ??= {url: new URL(`${site.root}/admin/generateToken`)});
		}

		return (this.#endpoints.site ??= {url: posture.tokenServicesUrl, ...(posture.forServer ? {forServer: posture.forServer} : {})});
	}

	async #probe(site: Site, call: CallContext): Promise<Posture> {
		const server = this.#kind === 'server';
		const infoUrl = new URL(`${site.root}/${server ? 'rest/info' : 'sharing/rest/info'}?f=json`);
		debug('%s: probing %s', this.#label, infoUrl.href);
		const defaultTokenUrl = new URL(server ? `${site.root}/tokens/generateToken` : `${site.root}/sharing/rest/generateToken`);
		const info = await readSiteInfo(this.#client, infoUrl, defaultTokenUrl, call);
		if ('unauthorized' in info) {
			return this.#webTierPosture(info.unauthorized, infoUrl);
		}

		const {security} = info;
		if (!security.tokenBased) {
			return {mode: 'anonymous'};
		}

		if (this.#certificateIsIdentity()) {
			debug('%s: %s answered through the client certificate; requests go without a token', this.#label, infoUrl.origin);
			return {mode: 'certificate'};
		}

		// A server handler on a federated server logs in at the portal: for a token for this server.
		const federated = server && security.owningSystemUrl !== undefined && PORTAL_TOKEN_SERVICE.test(security.tokenServicesUrl.pathname);
		return {mode: 'token', tokenServicesUrl: security.tokenServicesUrl, ...(federated ? {forServer: site.root} : {})};
	}

	async #webTierPosture(challenges: Challenge[], infoUrl: URL): Promise<Posture> {
		if (!this.#webTier) {
			const offered = challenges.map(challenge => challenge.scheme).join(', ') || 'no challenge';
			const general = this.#kind === 'server' ? 'ArcGISServerAuth' : 'ArcGISPortalAuth';
			throw new TokenAuthenticationError(
				'DISCOVERY_FAILED',
				`${infoUrl.origin}${infoUrl.pathname} answered HTTP 401 (${offered}): the site is behind web-tier authentication. Use ${general}, which speaks Kerberos and NTLM.`,
				{url: infoUrl},
			);
		}

		await this.#webTier.engage(challenges, infoUrl);
		return {mode: 'web-tier'};
	}
}
