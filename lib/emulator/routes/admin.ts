import {requireToken, type Route} from '../context.js';
import {generateToken} from '../login.js';
import {serverKey} from '../token-store.js';
import {adminError, json} from '../responses.js';

const OPERATION = /^\/arcgis\/admin\/services\/([^/]+\.(?:mapserver|featureserver|gpserver|imageserver))(?:\/(start|stop|status))?$/;

/** The Administrator API under `/arcgis/admin`: its own token endpoint, tokens in the POST body only. */
export const adminRoutes: Route = (request, context) => {
	const {path} = request;
	if (path === '/arcgis/admin/generatetoken') {
		return generateToken(request, context, 'admin');
	}

	if (path !== '/arcgis/admin' && !path.startsWith('/arcgis/admin/')) {
		return undefined;
	}

	context.stats.count('admin');
	const denied = requireToken(request, context, {serverRoot: serverKey(`${context.origin}/arcgis`), adminShape: true, bodyOnly: request.method === 'POST'});
	if (denied) {
		return denied;
	}

	if (path === '/arcgis/admin') {
		return json({resources: ['machines', 'services', 'security', 'system'], currentVersion: 11.3});
	}

	const match = OPERATION.exec(path);
	if (!match) {
		return {status: 404, body: {status: 'error', messages: [`Resource '${request.url.pathname}' does not exist.`], code: 404}};
	}

	const name = match[1]!;
	const operation = match[2];
	if (operation === 'start' || operation === 'stop') {
		if (request.method !== 'POST') {
			return adminError(405, ['Operation requires POST.']);
		}

		context.services.set(name, operation === 'start');
		return json({status: 'success'});
	}

	const state = (context.services.get(name) ?? true) ? 'STARTED' : 'STOPPED';
	return json(operation === 'status' ? {configuredState: state, realTimeState: state} : {serviceName: name.split('.')[0], type: name.split('.')[1]});
};
