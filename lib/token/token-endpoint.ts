/**
Where a site's tokens come from. `forServer`: the token service is the portal of a federated
server, and the login asks it for a token for that server (`serverUrl`), which is what a server
that takes only its own server tokens accepts.
*/
export type TokenEndpoint = {readonly url: URL; readonly forServer?: string};

/**
The one function that names a token source: by its endpoint (and the server it mints for), or by
the federated server whose exchanged tokens it keeps. Case-folded, since ArcGIS paths and host
names are case-insensitive: `/arcgis/tokens/generateToken` and `/ArcGIS/tokens/generatetoken` are
one source.
*/
export function tokenKey(of: {endpoint: TokenEndpoint} | {server: string}): string {
	if ('server' in of) {
		return `server ${of.server.toLowerCase()}`;
	}

	const {url, forServer} = of.endpoint;
	return forServer === undefined ? url.href.toLowerCase() : `${url.href.toLowerCase()} for ${forServer.toLowerCase()}`;
}
