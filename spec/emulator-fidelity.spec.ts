import assert from 'node:assert/strict';
import {ArcGISAuthError, ArcGISIdentityManager, ArcGISTokenRequestError, request} from '@esri/arcgis-rest-request';
import {useEmulator} from './helpers/emulator.js';
import {withoutNock} from './helpers/local-site.js';

// An independent client — Esri's own — must find the emulator's answers to be what ArcGIS sends.
describe("the emulator seen by Esri's @esri/arcgis-rest-request", () => {
	withoutNock();
	const emu = useEmulator();

	it('signs in to the portal, reads portals/self and queries the layer', async () => {
		const session = await ArcGISIdentityManager.signIn({username: 'demo', password: 'demo1234', portal: `${emu.portalUrl}/sharing/rest`});
		assert.equal(session.username, 'demo');
		const self = (await request(`${emu.portalUrl}/sharing/rest/portals/self`, {authentication: session})) as {user: {username: string}};
		assert.equal(self.user.username, 'demo');
		// The emulated server is not federated, so Esri's client needs the token handed over.
		const query = (await request(`${emu.serverUrl}/rest/services/Hosted/Parcels/FeatureServer/0/query`, {params: {where: '1=1', outFields: '*', token: session.token}})) as {features: unknown[]};
		assert.equal(query.features.length, 5);
	});

	it("reports a wrong password the way it reports ArcGIS's", async () => {
		await assert.rejects(
			ArcGISIdentityManager.signIn({username: 'demo', password: 'nope', portal: `${emu.portalUrl}/sharing/rest`}),
			(error: unknown) => error instanceof ArcGISTokenRequestError && /400: Unable to generate token/.test(error.message),
		);
	});

	it('recognises a revoked token as an authentication error (498)', async () => {
		const session = await ArcGISIdentityManager.signIn({username: 'demo', password: 'demo1234', portal: `${emu.portalUrl}/sharing/rest`});
		emu.revokeAllTokens();
		await assert.rejects(request(`${emu.serverUrl}/rest/services`, {params: {token: session.token}}), (error: unknown) => error instanceof ArcGISAuthError && error.code === 498);
	});
});
