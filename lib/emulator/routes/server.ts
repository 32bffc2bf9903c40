import {authenticate, webTierCaller} from '../access.js';
import type {EmulatorContext, Route} from '../context.js';
import {queryFeatures} from '../feature-query.js';
import {generateToken} from '../login.js';
import type {EmulatorRequest} from '../request.js';
import {json, restError, type Reply} from '../responses.js';
import {adminKey, qualifiedName, SERVER_VERSION, SERVICES, TILE_PNG, type SampleService} from '../sample-data.js';

const SERVICES_PATH = '/arcgis/rest/services';

function info(request: EmulatorRequest, context: EmulatorContext): Reply {
	context.stats.count('server.info');
	// Through IIS Windows authentication the server itself is not token-secured: scripts must not look for a token service.
	if (webTierCaller(request, context)) {
		return json({...SERVER_VERSION, authInfo: {isTokenBasedSecurity: false}});
	}

	const tokenServicesUrl = context.options.tokenServicesUrlStyle === 'trailing-slash' ? `${context.origin}/arcgis/tokens/` : `${context.origin}/arcgis/tokens/generateToken`;
	return json({...SERVER_VERSION, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl, shortLivedTokenValidity: 60}});
}

function catalog(folder: string): Reply {
	const listed = SERVICES.filter(service => folder === '' || service.folder === folder);
	const folders = folder === '' ? [...new Set(SERVICES.map(service => service.folder).filter(Boolean))] : [];
	return json({...SERVER_VERSION, folders, services: listed.map(service => ({name: qualifiedName(service), type: service.type}))});
}

/** The service a path under `rest/services/` names, and what follows it (`0/query`, `tile/0/0/0`...). */
function findService(rest: string): {service: SampleService; tail: string} | undefined {
	for (const service of SERVICES) {
		const prefix = `/${qualifiedName(service)}/${service.type}`.toLowerCase();
		if (rest === prefix || rest.startsWith(`${prefix}/`)) {
			return {service, tail: rest.slice(prefix.length)};
		}
	}

	return undefined;
}

type Resource = 'service' | 'layer' | 'query' | 'tile';

function resourceOf(service: SampleService, tail: string): Resource | undefined {
	if (tail === '') {
		return 'service';
	}

	if (tail === '/0' || tail === '/0/query') {
		return tail === '/0' ? 'layer' : 'query';
	}

	return service.type === 'MapServer' && /^\/tile\/\d+\/\d+\/\d+$/.test(tail) ? 'tile' : undefined;
}

function serviceResource(service: SampleService, resource: Resource, request: EmulatorRequest, context: EmulatorContext): Reply {
	context.stats.count(resource);
	// Tiles and images have no JSON body to put an error in: ArcGIS answers them with the real HTTP status.
	const access = authenticate(request, context, {scope: 'server', ...(resource === 'tile' ? {errorsAs: 'status' as const} : {})});
	if (access.denied) {
		return access.denied;
	}

	if (context.stopped.has(adminKey(service))) {
		// Wording unconfirmed; the shape (an error body with HTTP 200) is ArcGIS's.
		return restError(500, `Service ${qualifiedName(service)}/${service.type} not started`, []);
	}

	switch (resource) {
		case 'tile': {
			return {status: 200, raw: {bytes: TILE_PNG, contentType: 'image/png'}};
		}

		case 'service': {
			return json(service.type === 'MapServer'
				? {...SERVER_VERSION, mapName: 'Layers', serviceDescription: 'Emulated world cities', singleFusedMapCache: true, layers: [{id: 0, name: 'Cities', type: 'Feature Layer'}]}
				: {...SERVER_VERSION, serviceDescription: 'Emulated parcels', layers: [{id: 0, name: 'Parcels', type: 'Feature Layer', geometryType: 'esriGeometryPoint'}]});
		}

		case 'layer': {
			return json({...SERVER_VERSION, id: 0, name: service.type === 'MapServer' ? 'Cities' : 'Parcels', type: 'Feature Layer', geometryType: 'esriGeometryPoint', objectIdField: 'OBJECTID', capabilities: 'Query'});
		}

		case 'query': {
			return queryFeatures(request);
		}
	}
}

/** ArcGIS Server's REST side under `/arcgis`: info, the token service, the services directory and its two services. */
export const serverRoutes: Route = (request, context) => {
	const {path} = request;
	if (path === '/arcgis/rest/info') {
		return info(request, context);
	}

	// `/arcgis/tokens/` is how some sites advertise the service: POSTing to it is generateToken.
	if (path === '/arcgis/tokens/generatetoken' || path === '/arcgis/tokens') {
		return generateToken(request, context, 'server');
	}

	if (path !== SERVICES_PATH && !path.startsWith(`${SERVICES_PATH}/`)) {
		return undefined;
	}

	const rest = path.slice(SERVICES_PATH.length);
	const folder = SERVICES.find(service => service.folder !== '' && `/${service.folder.toLowerCase()}` === rest)?.folder;
	if (folder !== undefined && !request.url.pathname.endsWith('/')) {
		// A folder without its trailing slash: ArcGIS behind IIS answers 301 to the slashed path.
		context.stats.count('redirect.trailingSlash');
		return {status: 301, headers: [['location', `${request.url.pathname}/${request.url.search}`]]};
	}

	if (rest === '' || folder !== undefined) {
		context.stats.count(rest === '' ? 'services' : 'folder');
		return authenticate(request, context, {scope: 'server'}).denied ?? catalog(folder ?? '');
	}

	const found = findService(rest);
	const resource = found && resourceOf(found.service, found.tail);
	return found && resource ? serviceResource(found.service, resource, request, context) : undefined;
};
