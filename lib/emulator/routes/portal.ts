import {authenticate, verifyToken, webTierCaller, type Caller} from '../access.js';
import type {EmulatorContext, Route} from '../context.js';
import {exchangeToken, generateToken} from '../login.js';
import type {EmulatorRequest} from '../request.js';
import {forbidden, json, restError, tokenError, type Reply} from '../responses.js';
import {PORTAL_VERSION} from '../sample-data.js';

/**
Where the sharing API lives: under the portal's web adaptor, and — as on ArcGIS Online, whose
portal is the origin itself — directly under the origin.
*/
const MOUNTS = [{prefix: '/portal/sharing/rest', root: '/portal'}, {prefix: '/sharing/rest', root: ''}] as const;

function user(context: EmulatorContext, username: string): Record<string, unknown> | undefined {
	const found = context.portalUsers.get(username);
	return found ? {username, fullName: found.fullName, role: found.role} : undefined;
}

/**
portals/self serves anonymous callers too, and tells a signed-in caller who they are. A token that
is sent but bad is still a 498 here: that is how clients learn to refresh.
*/
function portalsSelf(request: EmulatorRequest, context: EmulatorContext, root: string): Reply {
	context.stats.count('portal.self');
	let caller: Caller | undefined = webTierCaller(request, context);
	if (!caller) {
		const verdict = verifyToken(request, context, 'portal');
		if (!verdict.valid && verdict.reason !== 'missing') {
			return tokenError('invalid', 'rest', context.options.errorsAs);
		}

		caller = verdict.valid && context.options.users.has(verdict.username) ? {username: verdict.username, admin: false, via: 'token'} : undefined;
	}

	const signedIn = caller && context.portalUsers.get(caller.username);
	return json({
		id: '0123456789ABCDEF',
		name: 'Emulated Portal',
		isPortal: root !== '',
		currentVersion: PORTAL_VERSION,
		allSSL: context.options.ssl,
		supportsOAuth: true,
		portalHostname: new URL(context.origin).host + root,
		...(caller && signedIn ? {user: {username: caller.username, role: signedIn.role}} : {}),
	});
}

function updateUserRole(request: EmulatorRequest, context: EmulatorContext, caller: Caller): Reply {
	if (request.method !== 'POST') {
		return restError(400, 'Unable to update user role.', ['This operation requires an HTTP POST.']);
	}

	if (!caller.admin) {
		return forbidden();
	}

	const username = request.param('user') ?? '';
	const role = request.param('role') ?? '';
	const target = context.portalUsers.get(username);
	if (!target || role === '') {
		return restError(400, 'Unable to update user role.', [`Invalid user '${username}' or role '${role}'.`]);
	}

	target.role = role;
	return json({success: true, username});
}

/** Portal for ArcGIS's sharing API: info, tokens (and the federation exchange), self, users, a role change. */
export const portalRoutes: Route = (request, context) => {
	const mount = MOUNTS.find(item => request.path === item.prefix || request.path.startsWith(`${item.prefix}/`));
	if (!mount) {
		return undefined;
	}

	const rest = request.path.slice(mount.prefix.length);
	const portalUrl = `${context.origin}${mount.root}`;
	switch (rest) {
		case '': {
			context.stats.count('portal.rest');
			return json({currentVersion: PORTAL_VERSION});
		}

		case '/info': {
			context.stats.count('portal.info');
			// Unlike the server, a portal behind IWA still says isTokenBasedSecurity: true once through the web tier.
			return json({owningSystemUrl: portalUrl, authInfo: {tokenServicesUrl: `${portalUrl}/sharing/rest/generateToken`, isTokenBasedSecurity: true}});
		}

		case '/generatetoken': {
			return request.param('serverUrl') !== undefined && !request.form.has('username') ? exchangeToken(request, context) : generateToken(request, context, 'portal');
		}

		case '/portals/self': {
			return portalsSelf(request, context, mount.root);
		}

		default: {
			break;
		}
	}

	const userMatch = /^\/community\/users\/([^/]+)$/.exec(rest);
	const endpoint = rest === '/community/self' ? 'portal.communitySelf' : (userMatch ? 'portal.user' : (rest === '/portals/self/updateuserrole' ? 'portal.updateUserRole' : undefined));
	if (!endpoint) {
		return undefined;
	}

	context.stats.count(endpoint);
	const {caller, denied} = authenticate(request, context, {scope: 'portal'});
	if (denied) {
		return denied;
	}

	if (endpoint === 'portal.updateUserRole') {
		return updateUserRole(request, context, caller);
	}

	// User names are case-sensitive at login but found case-insensitively, as the portal does; the path is already lower case.
	const wanted = userMatch ? userMatch[1]! : caller.username.toLowerCase();
	const name = [...context.portalUsers.keys()].find(item => item.toLowerCase() === wanted);
	const found = name === undefined ? undefined : user(context, name);
	return found ? json(found) : restError(400, 'User not found', [`User '${wanted}' does not exist.`]);
};
