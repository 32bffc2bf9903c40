import {requireToken, signedInUser, type EmulatorContext, type Route} from '../context.js';
import {exchangeToken, generateToken} from '../login.js';
import type {EmulatorRequest} from '../request.js';
import {json, restError, withStatus, type Reply} from '../responses.js';

const PORTAL_ID = '0123456789ABCDEF';

/**
An app's token (client_credentials) has no user: the resources below portals/self are about the
signed-in user or the organisation's administration, and ArcGIS answers an app token there with its
403 (GWM_0003, "You do not have permissions…").
*/
function usersOnly(request: EmulatorRequest, context: EmulatorContext): Reply | undefined {
	return context.tokens.appOf(request.token) === undefined
		? undefined
		: restError(403, 'You do not have permissions to access this resource or perform this operation.', [], {messageCode: 'GWM_0003'});
}

/**
requireToken for the portal: a token the standalone server minted (its tokens/ or admin/) is not the
portal's, and a real portal answers it 498 — a script must not get through here with the wrong token.
*/
function requirePortalToken(request: EmulatorRequest, context: EmulatorContext): Reply | undefined {
	const kind = context.tokens.kindOf(request.token);
	if ((kind === 'server' || kind === 'admin') && request.certificateUser === undefined && request.webTierUser === undefined) {
		return withStatus(restError(498, 'Invalid token.'), 498, context.options.errorsAs);
	}

	return requireToken(request, context);
}

/** What portals/self says of the app that holds the token, as ArcGIS's `appInfo` (the app's "owner" is the emulator's first user). */
function appInfo(clientId: string, context: EmulatorContext): Record<string, unknown> {
	return {appId: clientId, appOwner: [...context.options.users.keys()][0], orgId: PORTAL_ID, appTitle: clientId, privileges: []};
}

/** Portal for ArcGIS under `/portal/sharing/rest`: info, tokens (and their federation exchange), self, users. */
export const portalRoutes: Route = (request, context) => {
	const {path} = request;
	const base = '/portal/sharing/rest';
	if (path !== base && !path.startsWith(`${base}/`)) {
		return undefined;
	}

	const rest = path.slice(base.length);
	if (rest === '') {
		context.stats.count('portal.rest');
		return json({currentVersion: '2024.1'});
	}

	if (rest === '/info') {
		context.stats.count('portal.info');
		const tokenBased = request.webTierUser === undefined;
		return json({owningSystemUrl: `${context.origin}/portal`, authInfo: {tokenServicesUrl: `${context.origin}/portal/sharing/rest/generateToken`, isTokenBasedSecurity: tokenBased}});
	}

	if (rest === '/generatetoken') {
		return request.form.has('serverUrl') && !request.form.has('username') ? exchangeToken(request, context) : generateToken(request, context, 'portal');
	}

	if (rest === '/portals/self') {
		context.stats.count('portal.self');
		// Anonymous access is allowed here; only a signed-in caller gets `user`, and an app's token `appInfo` instead.
		const valid = requirePortalToken(request, context) === undefined;
		const owner = valid ? signedInUser(request, context) : undefined;
		const user = owner === undefined ? undefined : {username: owner, role: context.portalUsers.get(owner)?.role ?? 'org_admin'};
		const app = valid ? context.tokens.appOf(request.token) : undefined;
		return json({id: PORTAL_ID, name: 'Emulated Portal', allSSL: context.options.ssl, supportsOAuth: true, ...(user ? {user} : {}), ...(app ? {appInfo: appInfo(app, context)} : {})});
	}

	const denied = requirePortalToken(request, context) ?? usersOnly(request, context);
	if (rest === '/community/self') {
		context.stats.count('portal.communitySelf');
		if (denied) {
			return denied;
		}

		const owner = signedInUser(request, context) ?? '';
		const user = context.portalUsers.get(owner);
		return json({username: owner, fullName: user?.fullName ?? owner, role: user?.role ?? 'org_admin'});
	}

	const userMatch = /^\/community\/users\/([^/]+)$/.exec(rest);
	if (userMatch) {
		context.stats.count('portal.user');
		if (denied) {
			return denied;
		}

		const username = decodeURIComponent(userMatch[1]!);
		const user = [...context.portalUsers].find(([name]) => name.toLowerCase() === username);
		return user ? json({username: user[0], fullName: user[1].fullName, role: user[1].role}) : restError(400, 'User not found', [`User '${username}' does not exist.`]);
	}

	if (rest === '/portals/self/invite') {
		// Portal's way to create built-in users: an invitationList with username, password and role.
		context.stats.count('portal.invite');
		if (denied) {
			return denied;
		}

		let invitations: Array<{username?: string; password?: string; fullname?: string; role?: string}> = [];
		try {
			invitations = (JSON.parse(request.form.get('invitationList') ?? '{}') as {invitations?: typeof invitations}).invitations ?? [];
		} catch {
			return restError(400, 'Unable to invite users.', ['invitationList is not valid JSON.']);
		}

		const notInvited: string[] = [];
		for (const invitation of invitations) {
			if (!invitation.username || !invitation.password || context.portalUsers.has(invitation.username)) {
				notInvited.push(invitation.username ?? '');
				continue;
			}

			context.portalUsers.set(invitation.username, {fullName: invitation.fullname ?? invitation.username, role: invitation.role ?? 'org_user'});
			context.options.users.set(invitation.username, invitation.password);
		}

		return json({success: notInvited.length === 0, notInvited});
	}

	if (rest === '/portals/self/servers') {
		// The servers federated with the portal (Python: gis.admin.servers.list()); the first is the hosting server.
		context.stats.count('portal.servers');
		const servers = context.options.federatedServers.map((name, index) => {
			const url = `${context.origin}/${name}`;
			return {
				id: `server${index}`,
				name: `${context.origin.replace(/^https?:\/\//, '')}/${name}`,
				url,
				adminUrl: url,
				serverRole: index === 0 ? 'HOSTING_SERVER' : 'FEDERATED_SERVER',
				serverType: 'ArcGIS',
			};
		});
		return denied ?? json({servers});
	}

	if (rest === '/portals/self/updateuserrole') {
		context.stats.count('portal.updateUserRole');
		if (denied) {
			return denied;
		}

		const username = request.form.get('user') ?? '';
		const role = request.form.get('role') ?? '';
		const user = context.portalUsers.get(username);
		if (request.method !== 'POST' || !user || role === '') {
			return restError(400, 'Unable to update user role.', [`Invalid user '${username}' or role '${role}'.`]);
		}

		user.role = role;
		return json({success: true, username});
	}

	return undefined;
};
