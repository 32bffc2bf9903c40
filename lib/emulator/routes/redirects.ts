import type {Route} from '../context.js';

const STATUSES = new Set([301, 302, 303, 307, 308]);

/**
`/redirect/<status>?to=<url>` answers that redirect, so specs can send a client to another origin
or scheme (a load balancer's 307, an http→https upgrade) and see what follows it.
*/
export const redirectRoutes: Route = (request, context) => {
	const match = /^\/redirect\/(\d{3})$/.exec(request.path);
	if (!match) {
		return undefined;
	}

	const status = Number(match[1]);
	// Read from the query or a form body, as every ArcGIS endpoint does (clients may force POST).
	const to = request.param('to');
	if (!STATUSES.has(status) || !to) {
		return {status: 400, body: {error: {code: 400, message: 'Use /redirect/<301|302|303|307|308>?to=<url>', details: []}}};
	}

	context.stats.count(`redirect.${status}`);
	return {status, headers: [['location', to]]};
};
