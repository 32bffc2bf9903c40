/**
Path segments that start the part of an ArcGIS URL below the site root. Whole segments only,
compared case-insensitively: `/administration` is not `/admin`.
*/
const API_SEGMENTS = new Set(['rest', 'admin', 'sharing', 'tokens']);

/**
The first API segment of a path without escapes, found without splitting it (the hot path: every
request asks). A path with `%` escapes goes the slow way, segment by decoded segment.
*/
const FIRST_API_SEGMENT = /\/(rest|admin|sharing|tokens)(?=\/|$)/i;

/** The index of the `/` before the first API segment, and that segment lower-cased; undefined for none; 'escaped' when the path needs decoding. */
function firstApiSegment(path: string): {index: number; segment: string} | undefined | 'escaped' {
	if (path.includes('%')) {
		return 'escaped';
	}

	const match = FIRST_API_SEGMENT.exec(path);
	return match ? {index: match.index, segment: match[1]!.toLowerCase()} : undefined;
}

/** Origin + the path before `index`, without trailing slashes. */
function rootBefore(url: URL, index: number): string {
	return `${url.origin}${url.pathname.slice(0, index)}`.replace(/\/+$/, '');
}

function decodeSegment(segment: string): string {
	try {
		return decodeURIComponent(segment).toLowerCase();
	} catch {
		return segment.toLowerCase();
	}
}

/**
The site root of an ArcGIS URL: origin plus the path before the first API segment, without a
trailing slash. `/<orgId>/arcgis/rest/...` and `/tiles/<id>/arcgis/...` keep their prefixes (the
Python original took only the first path segment and broke on those).

With `instance` given, the root is origin + `/<instance>` (`''` means the origin itself, as for
ArcGIS Online). A URL with no API segment at all falls back to the original's rule: its first
path segment.
*/
export function deriveSiteRoot(url: URL, instance?: string): string {
	if (instance !== undefined) {
		const trimmed = instance.replace(/^\/+|\/+$/g, '');
		return trimmed === '' ? url.origin : `${url.origin}/${trimmed}`;
	}

	const fast = firstApiSegment(url.pathname);
	if (fast !== 'escaped' && fast !== undefined) {
		return rootBefore(url, fast.index);
	}

	const segments = url.pathname.split('/').slice(1);
	const cut = segments.findIndex(segment => API_SEGMENTS.has(decodeSegment(segment)));
	const kept = cut === -1 ? segments.slice(0, 1) : segments.slice(0, cut);
	// Empty segments (`//`) are kept as they are, so the root stays a prefix of the URL.
	return `${url.origin}/${kept.join('/')}`.replace(/\/+$/, '');
}

/** Whether the URL addresses the ArcGIS Server Administrator API under the given root. */
export function isAdminUrl(url: URL, root: string): boolean {
	if (!/\/admin/i.test(url.pathname) && !url.pathname.includes('%')) {
		return false;
	}

	const href = `${url.origin}${url.pathname}`;
	if (!href.toLowerCase().startsWith(root.toLowerCase())) {
		return false;
	}

	const first = href.slice(root.length).split('/')[1];
	return first !== undefined && decodeSegment(first) === 'admin';
}

/** API segments that only ArcGIS Server has: a portal's own URLs go through `/sharing`. */
const SERVER_SEGMENTS = new Set(['rest', 'admin', 'tokens']);

/**
The root of an ArcGIS Server URL (one whose first API segment is `rest`, `admin` or `tokens`), or
undefined for a portal URL (`/sharing`, `/home`, `/portaladmin`...). A portal handler uses this to
tell its portal's URLs from those of the servers federated with it.
*/
export function serverRootOf(url: URL): string | undefined {
	const fast = firstApiSegment(url.pathname);
	if (fast === undefined) {
		return undefined;
	}

	if (fast !== 'escaped') {
		return SERVER_SEGMENTS.has(fast.segment) ? rootBefore(url, fast.index) : undefined;
	}

	const segments = url.pathname.split('/').slice(1);
	const cut = segments.findIndex(segment => API_SEGMENTS.has(decodeSegment(segment)));
	if (cut === -1 || !SERVER_SEGMENTS.has(decodeSegment(segments[cut]!))) {
		return undefined;
	}

	return `${url.origin}/${segments.slice(0, cut).join('/')}`.replace(/\/+$/, '');
}
