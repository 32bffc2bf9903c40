import {requireToken, type Route} from '../context.js';
import {serverKey} from '../token-store.js';
import {generateToken} from '../login.js';
import {json, type Reply} from '../responses.js';
import {applyWhere} from './where.js';

const FEATURES = [
	{id: 1, name: 'Zürich', x: 8.5417, y: 47.3769},
	{id: 2, name: 'Tokyo', x: 139.6917, y: 35.6895},
	{id: 3, name: 'Redlands', x: -117.1825, y: 34.0556},
	{id: 4, name: 'Nairobi', x: 36.8219, y: -1.2921},
	{id: 5, name: 'Lima', x: -77.0428, y: -12.0464},
];

function query(request: Parameters<Route>[0]): Reply {
	const selected = applyWhere(
		request.param('where'),
		FEATURES.map(row => ({OBJECTID: row.id, NAME: row.name})),
	);
	if (!Array.isArray(selected)) {
		return selected;
	}

	const ids = new Set(selected.map(row => row.OBJECTID));
	const matching = FEATURES.filter(row => ids.has(row.id));
	if (request.param('returnCountOnly') === 'true') {
		return json({count: matching.length});
	}

	const limit = Number(request.param('resultRecordCount'));
	const rows = Number.isFinite(limit) && limit > 0 ? matching.slice(0, limit) : matching;
	return json({
		objectIdFieldName: 'OBJECTID',
		geometryType: 'esriGeometryPoint',
		spatialReference: {wkid: 4326, latestWkid: 4326},
		fields: [
			{name: 'OBJECTID', type: 'esriFieldTypeOID', alias: 'OBJECTID'},
			{name: 'NAME', type: 'esriFieldTypeString', alias: 'Name', length: 64},
		],
		features: rows.map(row => ({attributes: {OBJECTID: row.id, NAME: row.name}, geometry: {x: row.x, y: row.y}})),
	});
}

/**
ArcGIS Server's REST side under `/<name>`: info, the services directory, one feature layer, and —
for the standalone server (`/arcgis`) — its own token service. A federated server names the portal
as its owner and token service, and takes only the server tokens the portal minted for it.
*/
function serverAt(name: string, federated: boolean): Route {
	const prefix = `/${name}`;
	return (request, context) => {
		const {path} = request;
		const serverRoot = serverKey(`${context.origin}${prefix}`);
		const rest = path.slice(prefix.length);
		const counter = federated ? `${name}.` : '';
		if (rest === '/rest/info') {
			context.stats.count(federated ? `${name}.info` : 'server.info');
			if (federated) {
				const portal = `${context.origin}/portal`;
				return json({currentVersion: 11.3, fullVersion: '11.3.0', owningSystemUrl: portal, authInfo: {isTokenBasedSecurity: true, tokenServicesUrl: `${portal}/sharing/rest/generateToken`}});
			}

			const tokenServicesUrl = context.options.tokenServicesUrlStyle === 'trailing-slash' ? `${context.origin}/arcgis/tokens/` : `${context.origin}/arcgis/tokens/generateToken`;
			const tokenBased = request.webTierUser === undefined;
			return json({currentVersion: 11.3, fullVersion: '11.3.0', authInfo: tokenBased ? {isTokenBasedSecurity: true, tokenServicesUrl, shortLivedTokenValidity: 60} : {isTokenBasedSecurity: false}});
		}

		if (!federated && (rest === '/tokens/generatetoken' || rest === '/tokens')) {
			return generateToken(request, context, 'server');
		}

		if (!rest.startsWith('/rest/services')) {
			return undefined;
		}

		const denied = requireToken(request, context, {serverRoot, federated});
		if (rest === '/rest/services') {
			context.stats.count(`${counter}services`);
			return (
				denied ??
				json({
					currentVersion: 11.3,
					folders: ['Hosted'],
					// The root lists the root folder's services only; Hosted/Parcels is listed by its folder.
					services: [
						{name: 'SampleWorldCities', type: 'MapServer'},
						{name: 'Geometry', type: 'GeometryServer'},
					],
				})
			);
		}

		if (rest === '/rest/services/hosted') {
			// A folder answers with or without its trailing slash, as ArcGIS Server does (no redirect).
			context.stats.count(`${counter}folder`);
			return denied ?? json({currentVersion: 11.3, folders: [], services: [{name: 'Hosted/Parcels', type: 'FeatureServer'}]});
		}

		if (rest === '/rest/services/hosted/parcels/featureserver/0/query') {
			context.stats.count(`${counter}query`);
			return denied ?? query(request);
		}

		if (rest === '/rest/services/hosted/parcels/featureserver/0') {
			context.stats.count(`${counter}layer`);
			return denied ?? json({id: 0, name: 'Parcels', type: 'Feature Layer', geometryType: 'esriGeometryPoint', capabilities: 'Query'});
		}

		return undefined;
	};
}

const standalone = serverAt('arcgis', false);

/** The standalone ArcGIS Server under `/arcgis`, with its own token service (not federated). */
export const serverRoutes: Route = (request, context) => (request.path.startsWith('/arcgis/') ? standalone(request, context) : undefined);

/** The federated server a path belongs to (its name), if any. */
function federatedName(path: string, names: readonly string[]): string | undefined {
	const name = path.split('/')[1] ?? '';
	return names.includes(name) ? name : undefined;
}

/** Whether a path belongs to one of the emulator's federated servers. */
export function isFederatedPath(path: string, names: readonly string[]): boolean {
	return federatedName(path, names) !== undefined;
}

// One route per federated server name, made on first use rather than on every request.
const federated = new Map<string, Route>();

/** The servers federated with the emulator's portal, under `/<name>` each (option `federatedServers`). */
export const federatedRoutes: Route = (request, context) => {
	const name = federatedName(request.path, context.options.federatedServers);
	if (name === undefined) {
		return undefined;
	}

	let route = federated.get(name);
	if (!route) {
		route = serverAt(name, true);
		federated.set(name, route);
	}

	return route(request, context);
};
