import assert from 'node:assert/strict';
import got, {type Got} from 'got';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

const http: Got = got.extend({throwHttpErrors: false, retry: {limit: 0}, responseType: 'json'});
type Catalog = {folders: string[]; services: Array<{name: string; type: string}>};
type Features = {features?: Array<{attributes: {NAME: string}}>; error?: {code: number; message: string; details: string[]}};

/** Where the emulator once answered more kindly than ArcGIS: a script that passes here must not fail in production for it. */
describe('the emulator answers as ArcGIS does', () => {
	withoutNock();
	const emu = useEmulator();
	const serverToken = async (path = '/arcgis/tokens/generateToken') =>
		(await http.post(`${emu.url}${path}`, {form: {username: 'demo', password: 'demo1234', client: 'requestip', f: 'json'}}).json<{token: string}>()).token;

	it("lists only the root folder's services at rest/services, and a folder's own at its URL", async () => {
		const {token} = emu.issueToken();
		const root = (await http(`${emu.serverUrl}/rest/services`, {searchParams: {f: 'json', token}})).body as unknown as Catalog;
		assert.deepEqual(root.folders, ['Hosted']);
		assert.ok(
			root.services.every(service => !service.name.includes('/')),
			JSON.stringify(root.services),
		);
		const folder = (await http(`${emu.serverUrl}/rest/services/Hosted`, {searchParams: {f: 'json', token}})).body as unknown as Catalog;
		assert.deepEqual(folder.services, [{name: 'Hosted/Parcels', type: 'FeatureServer'}]);
	});

	it('answers a folder URL with or without its trailing slash, without a redirect', async () => {
		const {token} = emu.issueToken();
		for (const path of ['Hosted', 'Hosted/', 'hosted']) {
			const response = await http(`${emu.serverUrl}/rest/services/${path}?f=json&token=${token}`, {followRedirect: false});
			assert.equal(response.statusCode, 200, path);
			assert.deepEqual((response.body as unknown as Catalog).services, [{name: 'Hosted/Parcels', type: 'FeatureServer'}], path);
		}
	});

	it('refuses at the portal a token that the standalone server minted (498)', async () => {
		for (const path of ['/arcgis/tokens/generateToken', '/arcgis/admin/generateToken']) {
			const token = await serverToken(path);
			const self = await http(`${emu.portalUrl}/sharing/rest/community/self`, {searchParams: {f: 'json', token}});
			assert.deepEqual((self.body as unknown as {error: {code: number}}).error.code, 498, path);
		}

		const portal = (await http.post(`${emu.portalUrl}/sharing/rest/generateToken`, {form: {username: 'demo', password: 'demo1234', client: 'requestip', f: 'json'}}).json<{token: string}>()).token;
		assert.equal(((await http(`${emu.portalUrl}/sharing/rest/community/self`, {searchParams: {f: 'json', token: portal}})).body as unknown as {username: string}).username, 'demo');
	});

	it('applies a where clause: 1=1, =, LIKE, AND', async () => {
		const {token} = emu.issueToken();
		const names = async (where: string) => {
			const body = (await http(`${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`, {searchParams: {where, outFields: '*', f: 'json', token}})).body as unknown as Features;
			assert.equal(body.error, undefined, `${where}: ${JSON.stringify(body.error)}`);
			return body.features!.map(feature => feature.attributes.NAME);
		};

		assert.deepEqual(await names('1=1'), ['Zürich', 'Tokyo', 'Redlands', 'Nairobi', 'Lima']);
		assert.deepEqual(await names("NAME = 'Tokyo'"), ['Tokyo']);
		assert.deepEqual(await names('OBJECTID=3'), ['Redlands']);
		assert.deepEqual(await names("name LIKE 'L%'"), ['Lima']);
		assert.deepEqual(await names("NAME LIKE '%o%' AND OBJECTID = 2"), ['Tokyo']);
		assert.deepEqual(await names("1=1 AND NAME = 'Nowhere'"), []);
		const count = (await http(`${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`, {searchParams: {where: "NAME LIKE '%i%'", returnCountOnly: 'true', f: 'json', token}})).body;
		assert.deepEqual(count, {count: 3});
	});

	it("refuses with ArcGIS's 400 a where clause it does not understand, an unknown field, or none", async () => {
		const {token} = emu.issueToken();
		for (const where of ["NAME IN ('Lima')", 'POPULATION > 5', "NAME = 'Lima' OR 1=1", undefined]) {
			const body = (await http(`${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`, {searchParams: {...(where === undefined ? {} : {where}), f: 'json', token}}))
				.body as unknown as Features;
			assert.equal(body.error?.code, 400, String(where));
			assert.equal(body.error?.message, 'Cannot perform query. Invalid query parameters.', String(where));
		}
	});
});
