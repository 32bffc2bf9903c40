/** The emulated site's content: two services and five features, enough to list, query and administer. */

export type SampleService = {folder: string; name: string; type: 'MapServer' | 'FeatureServer'};

export const SERVICES: readonly SampleService[] = [
	{folder: '', name: 'SampleWorldCities', type: 'MapServer'},
	{folder: 'Hosted', name: 'Parcels', type: 'FeatureServer'},
];

/** `Hosted/Parcels`, as the services directory names a service in a folder. */
export const qualifiedName = (service: SampleService): string => (service.folder ? `${service.folder}/${service.name}` : service.name);

/** The Administrator API's key for a service, `folder/name.type` in lower case (admin paths are case-insensitive). */
export const adminKey = (service: SampleService): string => `${qualifiedName(service)}.${service.type}`.toLowerCase();

export type FieldType = 'esriFieldTypeOID' | 'esriFieldTypeString' | 'esriFieldTypeInteger';

export const FIELDS: ReadonlyArray<{name: string; type: FieldType; alias: string; length?: number}> = [
	{name: 'OBJECTID', type: 'esriFieldTypeOID', alias: 'OBJECTID'},
	{name: 'NAME', type: 'esriFieldTypeString', alias: 'Name', length: 64},
	{name: 'COUNTRY', type: 'esriFieldTypeString', alias: 'Country', length: 64},
	{name: 'POPULATION', type: 'esriFieldTypeInteger', alias: 'Population'},
];

export type Feature = {attributes: Record<string, string | number>; geometry: {x: number; y: number}};

export const FEATURES: readonly Feature[] = [
	{attributes: {OBJECTID: 1, NAME: 'Zürich', COUNTRY: 'Switzerland', POPULATION: 421_878}, geometry: {x: 8.5417, y: 47.3769}},
	{attributes: {OBJECTID: 2, NAME: 'Tokyo', COUNTRY: 'Japan', POPULATION: 13_960_000}, geometry: {x: 139.6917, y: 35.6895}},
	{attributes: {OBJECTID: 3, NAME: 'Redlands', COUNTRY: 'United States', POPULATION: 73_168}, geometry: {x: -117.1825, y: 34.0556}},
	{attributes: {OBJECTID: 4, NAME: 'Nairobi', COUNTRY: 'Kenya', POPULATION: 4_397_073}, geometry: {x: 36.8219, y: -1.2921}},
	{attributes: {OBJECTID: 5, NAME: 'Lima', COUNTRY: 'Peru', POPULATION: 9_751_000}, geometry: {x: -77.0428, y: -12.0464}},
];

/** A 1×1 transparent PNG: what a tile endpoint answers (a body a client must never parse as JSON). */
export const TILE_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

export const SERVER_VERSION = {currentVersion: 11.3, fullVersion: '11.3.0'} as const;

export const PORTAL_VERSION = '2024.1';
