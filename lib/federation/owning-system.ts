/** ArcGIS Online's environments; its hosts all end in `.arcgis.com`. */
export type OnlineEnvironment = 'production' | 'dev' | 'qa';

const DEFAULT_PORTS = new Set(['', '80', '443']);

function parse(input: string | URL): URL | undefined {
	try {
		return new URL(input);
	} catch {
		return undefined;
	}
}

/**
The ArcGIS Online environment a host belongs to, or undefined for any other host. The label just
before `arcgis.com` tells it: `www`, `myorg.maps`, `services3` are production; `devext`,
`myorg.mapsdevext` are dev; `qaext`, `myorg.mapsqa` are qa.
*/
export function onlineEnvironment(hostname: string): OnlineEnvironment | undefined {
	const host = hostname.toLowerCase().replace(/\.$/, '');
	if (!host.endsWith('.arcgis.com')) {
		return undefined;
	}

	const label = host.slice(0, -'.arcgis.com'.length).split('.').pop() ?? '';
	if (label.includes('dev')) {
		return 'dev';
	}

	return label.includes('qa') ? 'qa' : 'production';
}

/**
A portal URL reduced to what identifies the portal: host, a non-default port and the path, in lower
case, without scheme, trailing slashes or a trailing `/sharing[/rest]`. ArcGIS reports
`owningSystemUrl` as `http://` even for an https portal, and people write hosts in any case.
*/
function systemKey(url: URL): string {
	const port = DEFAULT_PORTS.has(url.port) ? '' : `:${url.port}`;
	const path = url.pathname
		.toLowerCase()
		.replace(/\/+$/, '')
		.replace(/\/sharing(?:\/rest)?$/, '');
	return `${url.hostname.toLowerCase().replace(/\.$/, '')}${port}${path}`;
}

/**
Whether a server whose `rest/info` names `owningSystemUrl` is federated with (or hosted by) the
portal at `portalRoot`. Exact after normalising — never a prefix or pattern match: a server that
names another portal must not get this portal's token. For ArcGIS Online, `www.arcgis.com` and an
organisation's own URL (`myorg.maps.arcgis.com`) are the same system within one environment.
*/
export function isOwnedBy(owningSystemUrl: string, portalRoot: string | URL): boolean {
	const owner = parse(owningSystemUrl.trim());
	const portal = parse(portalRoot);
	if (!owner || !portal || !/^https?:$/.test(owner.protocol)) {
		return false;
	}

	const environment = onlineEnvironment(owner.hostname);
	if (environment !== undefined) {
		return environment === onlineEnvironment(portal.hostname);
	}

	return systemKey(owner) === systemKey(portal);
}

/**
Whether a server is ArcGIS Online's own hosting (`services*.arcgis.com`, `tiles.arcgis.com`...) in
the same environment as an ArcGIS Online portal: such servers take the portal's token as it is.
*/
export function isHostedByOnline(serverRoot: string | URL, portalRoot: string | URL): boolean {
	const server = parse(serverRoot);
	const portal = parse(portalRoot);
	if (!server || !portal) {
		return false;
	}

	const environment = onlineEnvironment(server.hostname);
	return environment !== undefined && environment === onlineEnvironment(portal.hostname);
}

/**
The portal a server names as its owner, as a root to send requests to: an `http://` owner is taken
as https when the server itself was reached over https (ArcGIS reports http for https portals).
*/
export function portalRootFrom(owningSystemUrl: string, serverRoot: URL): string | undefined {
	const owner = parse(owningSystemUrl.trim());
	if (!owner || !/^https?:$/.test(owner.protocol)) {
		return undefined;
	}

	if (owner.protocol === 'http:' && serverRoot.protocol === 'https:') {
		owner.protocol = 'https:';
	}

	const path = owner.pathname.replace(/\/+$/, '').replace(/\/sharing(?:\/rest)?$/i, '');
	return `${owner.origin}${path}`;
}
