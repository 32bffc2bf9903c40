import {requireToken, type Route} from '../context.js';
import {generateToken} from '../login.js';
import {json, type Reply} from '../responses.js';

const FEATURES = [
	{id: 1, name: 'Zürich', x: 8.5417, y: 47.3769},
	{id: 2, name: 'Tokyo', x: 139.6917, y: 35.6895},
	{id: 3, name: 'Redlands', x: -117.1825, y: 34.0556},
	{id: 4, name: 'Nairobi', x: 36.8219, y: -1.2921},
	{id: 5, name: 'Lima', x: -77.0428, y: -12.0464},
];

function query(request: Parameters<Route>[0]): Reply {
	if (request.param('returnCountOnly') === 'true') {
		return json({count: FEATURES.length});
	}

	const limit = Number(request.param('resultRecordCount'));
	const rows = Number.isFinite(limit) && limit > 0 ? FEATURES.slice(0, limit) : FEATURES;
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

/** ArcGIS Server's REST side under `/arcgis`: info, tokens, the services directory, one feature layer. */
export const serverRoutes: Route = (request, context) => {
	const {path} = request;
	const serverRoot = `${context.origin}/arcgis`.toLowerCase();
	if (path === '/arcgis/rest/info') {
		context.stats.count('server.info');
		const tokenServicesUrl = context.options.tokenServicesUrlStyle === 'trailing-slash' ? `${context.origin}/arcgis/tokens/` : `${context.origin}/arcgis/tokens/generateToken`;
		const tokenBased = !(context.options.webTier && request.headers.authorization);
		return json({currentVersion: 11.3, fullVersion: '11.3.0', authInfo: tokenBased ? {isTokenBasedSecurity: true, tokenServicesUrl, shortLivedTokenValidity: 60} : {isTokenBasedSecurity: false}});
	}

	if (path === '/arcgis/tokens/generatetoken' || path === '/arcgis/tokens') {
		return generateToken(request, context, 'server');
	}

	if (!path.startsWith('/arcgis/rest/services')) {
		return undefined;
	}

	const denied = requireToken(request, context, {serverRoot});
	if (path === '/arcgis/rest/services') {
		context.stats.count('services');
		return (
			denied ??
			json({
				currentVersion: 11.3,
				folders: ['Hosted'],
				services: [
					{name: 'SampleWorldCities', type: 'MapServer'},
					{name: 'Hosted/Parcels', type: 'FeatureServer'},
				],
			})
		);
	}

	if (path === '/arcgis/rest/services/hosted') {
		// A folder without its trailing slash: ArcGIS (through IIS) answers 301 to the slashed path.
		if (!request.url.pathname.endsWith('/')) {
			context.stats.count('redirect.trailingSlash');
			return {status: 301, headers: [['location', `${request.url.pathname}/${request.url.search}`]]};
		}

		context.stats.count('folder');
		return denied ?? json({currentVersion: 11.3, folders: [], services: [{name: 'Hosted/Parcels', type: 'FeatureServer'}]});
	}

	if (path === '/arcgis/rest/services/hosted/parcels/featureserver/0/query') {
		context.stats.count('query');
		return denied ?? query(request);
	}

	if (path === '/arcgis/rest/services/hosted/parcels/featureserver/0') {
		context.stats.count('layer');
		return denied ?? json({id: 0, name: 'Parcels', type: 'Feature Layer', geometryType: 'esriGeometryPoint', capabilities: 'Query'});
	}

	return undefined;
};
