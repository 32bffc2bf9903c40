/**
Whether a token that was good for `from` may go to `to`: the same origin (scheme, host, port),
or an http→https upgrade of the same host name on any port (ArcGIS Server's 6080 → 6443).
Anything else — another host or port, an https→http downgrade — must not see the token.
*/
export function isSameOriginOrUpgrade(from: URL, to: URL): boolean {
	if (from.origin === to.origin) {
		return true;
	}

	return from.protocol === 'http:' && to.protocol === 'https:' && from.hostname.toLowerCase() === to.hostname.toLowerCase();
}
