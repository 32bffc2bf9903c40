import {verifyToken} from '../access.js';
import type {Route} from '../context.js';
import type {EmulatorRequest} from '../request.js';
import {json, type Reply} from '../responses.js';

const STATUSES = new Set([301, 302, 303, 307, 308]);

const TRAILING_SLASH = '/redirect/trailing-slash';

/**
Where a redirect lands: what arrived, so a spec can see whether the method, the body and the token
survived the hop. Parameter names only, never values, and never the token itself.
*/
function landing(request: EmulatorRequest, context: Parameters<Route>[1]): Reply {
	context.stats.count('redirect.landing');
	const verdict = verifyToken(request, context, 'server');
	return json({
		landed: true,
		method: request.method,
		path: request.url.pathname,
		tokenIn: request.tokenIn ?? null,
		token: verdict.valid ? 'valid' : (verdict.reason === 'missing' ? 'missing' : 'invalid'),
		query: [...new Set(request.query.keys())].sort(),
		form: [...new Set(request.form.keys())].sort(),
	});
}

/**
Redirects for specs. `/redirect/trailing-slash/<anything>` answers 301 to the same path with a
trailing slash (what IIS does for a folder) and the slashed path lands; `/redirect/<status>?to=<url>`
answers that status with that Location (a load balancer's 307, a move to another origin or scheme).
*/
export const redirectRoutes: Route = (request, context) => {
	const {pathname, search} = request.url;
	if (request.path === TRAILING_SLASH || request.path.startsWith(`${TRAILING_SLASH}/`)) {
		if (pathname.endsWith('/')) {
			return landing(request, context);
		}

		context.stats.count('redirect.trailingSlash');
		return {status: 301, headers: [['location', `${pathname}/${search}`]]};
	}

	const match = /^\/redirect\/(\d{3})$/.exec(request.path);
	if (!match) {
		return undefined;
	}

	const status = Number(match[1]);
	// Read from the query or a form body, as every ArcGIS endpoint does (clients may force POST).
	const to = request.param('to');
	let location: string | undefined;
	try {
		// Through URL, so the header is always plain ASCII (an invalid header value would throw in writeHead).
		location = to ? new URL(to, context.origin).href : undefined;
	} catch {
		location = undefined;
	}

	if (!STATUSES.has(status) || !location) {
		return json({error: {code: 400, message: 'Use /redirect/<301|302|303|307|308>?to=<url>', details: []}}, 400);
	}

	context.stats.count(`redirect.${status}`);
	return {status, headers: [['location', location]]};
};
