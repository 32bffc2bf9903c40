import {authenticate} from '../access.js';
import type {Route} from '../context.js';
import {generateToken} from '../login.js';
import {adminError, json} from '../responses.js';
import {adminKey, SERVER_VERSION, SERVICES} from '../sample-data.js';

const ADMIN = '/arcgis/admin';

/** `services/<folder/>name.Type[/operation]` → the service and the operation. */
const SERVICE_PATH = /^\/services\/(.+?\.(?:mapserver|featureserver|gpserver|imageserver|geometryserver))(?:\/(start|stop|status))?$/;

/**
The Administrator API under `/arcgis/admin`: its own token endpoint (whose `expires` is a string),
tokens read from a POST's form body only, its own error shape, and administrators only.
*/
export const adminRoutes: Route = (request, context) => {
	const {path} = request;
	if (path === `${ADMIN}/generatetoken`) {
		return generateToken(request, context, 'admin');
	}

	if (path !== ADMIN && !path.startsWith(`${ADMIN}/`)) {
		return undefined;
	}

	const rest = path.slice(ADMIN.length);
	const match = SERVICE_PATH.exec(rest);
	const operation = match?.[2];
	const endpoint = match ? `admin.${operation ?? 'service'}` : 'admin.other';
	context.stats.count(rest === '' ? 'admin.info' : (rest === '/services' ? 'admin.services' : endpoint));
	const {denied} = authenticate(request, context, {scope: 'admin'});
	if (denied) {
		return denied;
	}

	if (rest === '') {
		return json({resources: ['machines', 'clusters', 'services', 'security', 'data', 'uploads', 'system', 'logs', 'mode', 'usagereports'], currentVersion: SERVER_VERSION.currentVersion});
	}

	if (rest === '/services') {
		return json({folderName: '/', folders: [...new Set(SERVICES.map(service => service.folder).filter(Boolean))], services: SERVICES.map(service => ({folderName: service.folder || '/', serviceName: service.name, type: service.type}))});
	}

	const service = match ? SERVICES.find(item => adminKey(item) === match[1]) : undefined;
	if (!service) {
		return adminError(404, [`Resource '${request.url.pathname}' does not exist or is inaccessible.`], 404);
	}

	const key = adminKey(service);
	if (operation === 'start' || operation === 'stop') {
		if (request.method !== 'POST') {
			return adminError(405, [`The '${operation}' operation requires an HTTP POST.`]);
		}

		if (operation === 'stop') {
			context.stopped.add(key);
		} else {
			context.stopped.delete(key);
		}

		return json({status: 'success'});
	}

	const state = context.stopped.has(key) ? 'STOPPED' : 'STARTED';
	return json(operation === 'status'
		? {configuredState: state, realTimeState: state}
		: {serviceName: service.name, type: service.type, description: '', capabilities: service.type === 'FeatureServer' ? 'Query' : 'Map'});
};
