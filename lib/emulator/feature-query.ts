import type {EmulatorRequest} from './request.js';
import {json, restError, type Reply} from './responses.js';
import {FEATURES, FIELDS, type Feature} from './sample-data.js';

type Test = (feature: Feature) => boolean;

const COMPARISON = /^\s*(\w+)\s*(=|<>|!=|>=|<=|>|<)\s*(?:'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?))\s*$/;

/**
The part of SQL a script's `where` usually is: `1=1`, or one comparison of a field with a number or
a quoted string. Anything else is refused the way ArcGIS refuses a bad clause (400 in the body).
*/
function parseWhere(where: string | undefined): Test | undefined {
	if (where === undefined || /^\s*1\s*=\s*1\s*$/.test(where) || where.trim() === '') {
		return () => true;
	}

	const match = COMPARISON.exec(where);
	const field = FIELDS.find(item => item.name.toLowerCase() === match?.[1]?.toLowerCase());
	if (!match || !field) {
		return undefined;
	}

	const operator = match[2]!;
	const wanted: string | number = match[3] === undefined ? Number(match[4]) : match[3].replaceAll("''", "'");
	return feature => {
		const value = feature.attributes[field.name]!;
		const order = value < wanted ? -1 : (value > wanted ? 1 : 0);
		switch (operator) {
			case '=': {
				return order === 0;
			}

			case '<>':
			case '!=': {
				return order !== 0;
			}

			case '>': {
				return order > 0;
			}

			case '>=': {
				return order >= 0;
			}

			case '<': {
				return order < 0;
			}

			default: {
				return order <= 0;
			}
		}
	};
}

/** `outFields`: `*` for all; a list picks fields (case-insensitively); absent, the object id alone, as ArcGIS. */
function pickFields(outFields: string | undefined): string[] {
	if (outFields?.trim() === '*') {
		return FIELDS.map(field => field.name);
	}

	const asked = new Set((outFields ?? '').split(',').map(name => name.trim().toLowerCase()).filter(Boolean));
	const picked = FIELDS.filter(field => asked.has(field.name.toLowerCase())).map(field => field.name);
	return picked.length > 0 ? picked : ['OBJECTID'];
}

/** A feature layer's `query`: where, outFields, returnGeometry, returnCountOnly, resultOffset, resultRecordCount. */
export function queryFeatures(request: EmulatorRequest): Reply {
	const test = parseWhere(request.param('where'));
	if (!test) {
		return restError(400, 'Unable to complete operation.', ['Unable to perform query operation.', `Invalid query: '${request.param('where') ?? ''}'.`]);
	}

	const matching = FEATURES.filter(feature => test(feature));
	if (request.param('returnCountOnly')?.toLowerCase() === 'true') {
		return json({count: matching.length});
	}

	const offset = Math.max(0, Math.trunc(Number(request.param('resultOffset')) || 0));
	const limit = Math.trunc(Number(request.param('resultRecordCount')));
	const end = Number.isFinite(limit) && limit > 0 ? offset + limit : matching.length;
	const rows = matching.slice(offset, end);
	const fields = pickFields(request.param('outFields'));
	const geometry = request.param('returnGeometry')?.toLowerCase() !== 'false';
	return json({
		objectIdFieldName: 'OBJECTID',
		geometryType: 'esriGeometryPoint',
		spatialReference: {wkid: 4326, latestWkid: 4326},
		fields: FIELDS.filter(field => fields.includes(field.name)),
		features: rows.map(feature => ({
			attributes: Object.fromEntries(fields.map(name => [name, feature.attributes[name]])),
			...(geometry ? {geometry: {...feature.geometry}} : {}),
		})),
		...(end < matching.length ? {exceededTransferLimit: true} : {}),
	});
}
