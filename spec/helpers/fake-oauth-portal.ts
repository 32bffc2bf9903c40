import nock from 'nock';

export const PORTAL = 'https://www.arcgis.com';

export type Call = {form: URLSearchParams; contentType: string | undefined};

/** ArcGIS Online's OAuth token endpoint as it answers: text/plain JSON, errors in HTTP 200 bodies. */
export class FakeOAuthPortal {
	readonly tokenCalls: Call[] = [];
	readonly resourceTokens: Array<string | null> = [];
	lifetimeSeconds = 7200;
	/** The tokens' names: `<prefix>-1`, `<prefix>-2`… */
	prefix = 'app-token';
	/** More fields for a successful answer (a refresh token, the user). */
	extra: (form: URLSearchParams) => Record<string, unknown> = () => ({});
	answer: ((form: URLSearchParams) => unknown) | undefined;
	#count = 0;
	readonly valid = new Set<string>();

	constructor(readonly origin = PORTAL) {
		nock(origin)
			.persist()
			.post('/sharing/rest/oauth2/token')
			.reply((_uri, body, callback) => {
				const form = new URLSearchParams(body as string);
				this.tokenCalls.push({form, contentType: undefined});
				const custom = this.answer?.(form);
				if (custom !== undefined) {
					callback(null, [200, typeof custom === 'string' ? custom : JSON.stringify(custom), {'content-type': 'text/plain;charset=utf-8'}]);
					return;
				}

				const token = `${this.prefix}-${++this.#count}`;
				this.valid.add(token);
				callback(null, [200, JSON.stringify({access_token: token, expires_in: this.lifetimeSeconds, ...this.extra(form)}), {'content-type': 'text/plain;charset=utf-8'}]);
			})
			.post('/sharing/rest/portals/self')
			.reply((_uri, body) => {
				const token = new URLSearchParams(body as string).get('token');
				this.resourceTokens.push(token);
				return token !== null && this.valid.has(token) ? [200, {id: 'org', appInfo: {appId: 'demo-app'}}] : [200, {error: {code: 498, message: 'Invalid token.', details: []}}];
			});
	}
}
