import nock from 'nock';

/** Where a request to the fake site carried its token. */
export type Seen = {
	method: string;
	path: string;
	token: string | undefined;
	tokenIn: 'query' | 'body' | 'header' | undefined;
	referer: string | undefined;
	body: string;
	headers: Record<string, string | string[] | undefined>;
};

type TokenReply = {status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number} | {networkError: string};

export type FakeSiteOptions = {
	/** Site root path, e.g. `/arcgis`, `/tiles/abc/arcgis`, `''`. */
	root?: string;
	tokenBased?: boolean;
	/** tokenServicesUrl as advertised (absolute). Default `${origin}${root}/tokens/generateToken`. */
	tokenServicesUrl?: string;
	/** Token lifetime in ms, from the mocked clock (Date.now()). */
	lifetimeMs?: number;
	password?: string;
	/** How issued tokens start (a canary prefix lets hygiene specs find any leak). */
	tokenPrefix?: string;
	/** rest/info names this portal as the server's owner (a federated server). */
	owningSystemUrl?: string;
};

/**
A nock-backed ArcGIS site: `rest/info`, generateToken (server, admin and portal paths) and any
other path, which answers per `resource` (default: a token check like ArcGIS's). It records every
call, so specs count round trips and see where tokens went.
*/
export class FakeSite {
	readonly origin: string;
	readonly root: string;
	readonly seen: Seen[] = [];
	infoCalls = 0;
	/** Every generateToken call: the path it went to and its form. */
	readonly tokenRequests: Array<{path: string; form: URLSearchParams}> = [];
	/** Valid tokens; a spec may delete one to "revoke" it. */
	readonly valid = new Set<string>();
	/** Override the next generateToken answers (consumed in order). */
	tokenReplies: TokenReply[] = [];
	/** Override what protected resources answer (called after the token check). */
	resource: (seen: Seen, tokenValid: boolean) => {status: number; body: unknown; headers?: Record<string, string>} = (_seen, tokenValid) =>
		tokenValid ? {status: 200, body: {ok: true}} : {status: 200, body: {error: {code: 498, message: 'Invalid token.', details: []}}};

	infoReply: (() => {status: number; body: string | object; headers?: Record<string, string>}) | undefined;
	readonly options: Required<Omit<FakeSiteOptions, 'tokenServicesUrl' | 'owningSystemUrl'>> & Pick<FakeSiteOptions, 'owningSystemUrl'> & {tokenServicesUrl: string};
	#counter = 0;

	constructor(origin: string, options: FakeSiteOptions = {}) {
		this.origin = origin;
		this.root = options.root ?? '/arcgis';
		this.options = {
			root: this.root,
			tokenBased: options.tokenBased ?? true,
			tokenServicesUrl: options.tokenServicesUrl ?? `${origin}${this.root}/tokens/generateToken`,
			lifetimeMs: options.lifetimeMs ?? 60 * 60 * 1000,
			password: options.password ?? 'right-password',
			tokenPrefix: options.tokenPrefix ?? 'tok',
			owningSystemUrl: options.owningSystemUrl,
		};
		this.#mount();
	}

	get tokenCalls(): number {
		return this.tokenRequests.length;
	}

	/** Requests that reached protected resources (neither info nor generateToken). */
	get resourceCalls(): Seen[] {
		return this.seen.filter(seen => !/\/rest\/info$|generateToken$|\/tokens\/?$/i.test(seen.path.split('?')[0] ?? ''));
	}

	issue(): {token: string; expires: number} {
		const token = `${this.options.tokenPrefix}-${++this.#counter}-${'x'.repeat(8)}`;
		this.valid.add(token);
		return {token, expires: Date.now() + this.options.lifetimeMs};
	}

	#mount(): void {
		const scope = nock(this.origin).persist();
		const root = this.root;
		const escapedRoot = root.replaceAll('/', '\\/');
		scope.get(new RegExp(`^${escapedRoot}/rest/info(\\?.*)?$`, 'i')).reply(() => {
			this.infoCalls++;
			if (this.infoReply) {
				const {status, body, headers} = this.infoReply();
				return [status, body, headers ?? {}];
			}

			const owner = this.options.owningSystemUrl === undefined ? {} : {owningSystemUrl: this.options.owningSystemUrl};
			return [200, {currentVersion: 11.3, ...owner, authInfo: {isTokenBasedSecurity: this.options.tokenBased, tokenServicesUrl: this.options.tokenServicesUrl}}];
		});

		const tokenPath = (uri: string): boolean => {
			const path = new URL(uri, this.origin).pathname;
			const advertised = new URL(this.options.tokenServicesUrl).pathname;
			return path === advertised || /\/generateToken$/i.test(path);
		};

		scope.post(tokenPath).reply((uri, body, callback) => {
			const form = new URLSearchParams(typeof body === 'string' ? body : '');
			this.tokenRequests.push({path: uri, form});
			const override = this.tokenReplies.shift();
			if (override && 'networkError' in override) {
				callback(Object.assign(new Error('socket hang up'), {code: override.networkError}), [0, '']);
				return;
			}

			if (override) {
				const answer = () => {
					callback(null, [override.status ?? 200, override.body as nock.Body, override.headers ?? {}]);
				};

				if (override.delayMs) {
					setTimeout(answer, override.delayMs).unref();
				} else {
					answer();
				}

				return;
			}

			if (form.has('serverUrl') && !form.has('password')) {
				// A portal's federation exchange: a server token for a valid portal token.
				const valid = this.valid.has(form.get('token') ?? '');
				callback(null, [200, valid ? this.issue() : {error: {code: 498, message: 'Invalid token.', details: []}}]);
				return;
			}

			if (form.get('password') !== this.options.password) {
				callback(null, [200, {error: {code: 400, message: 'Unable to generate token.', details: ['Invalid username or password.']}}]);
				return;
			}

			const {token, expires} = this.issue();
			const isAdmin = /\/admin\/generateToken$/i.test(uri.split('?')[0] ?? '');
			callback(null, [200, {token, expires: isAdmin ? String(expires) : expires, ssl: false}]);
		});

		const handle = (method: string) =>
			function (this: nock.ReplyFnContext, uri: string, body: nock.Body): nock.ReplyFnResult {
				return self.#resourceReply(method, uri, body, this.req.headers);
			};

		// eslint-disable-next-line @typescript-eslint/no-this-alias
		const self = this;
		const isResource = (uri: string) => !tokenPath(uri) && !/\/rest\/info(\?|$)/i.test(uri);
		scope.get(isResource).reply(handle('GET'));
		scope.post(isResource).reply(handle('POST'));
	}

	#resourceReply(method: string, uri: string, body: nock.Body, headers: Record<string, string | string[] | undefined>): nock.ReplyFnResult {
		const url = new URL(uri, this.origin);
		const text = typeof body === 'string' ? body : body === undefined || body === null ? '' : JSON.stringify(body);
		const form = new URLSearchParams(text);
		const header = headers['x-esri-authorization'];
		const headerToken = typeof header === 'string' ? header.replace(/^Bearer /, '') : undefined;
		const queryToken = url.searchParams.get('token') ?? undefined;
		const bodyToken = form.get('token') ?? undefined;
		const token = queryToken ?? bodyToken ?? headerToken;
		const tokenIn = queryToken ? 'query' : bodyToken ? 'body' : headerToken ? 'header' : undefined;
		const referer = headers.referer;
		const seen: Seen = {method, path: `${url.pathname}${url.search}`, token, tokenIn, referer: typeof referer === 'string' ? referer : undefined, body: text, headers};
		this.seen.push(seen);
		const reply = this.resource(seen, token !== undefined && this.valid.has(token));
		return [reply.status, reply.body as nock.Body, reply.headers ?? {}];
	}
}

/** nock off the network for a spec file, and clean between specs. */
export function useNock(): void {
	before(() => {
		if (!nock.isActive()) {
			nock.activate();
		}

		nock.disableNetConnect();
	});
	afterEach(() => {
		nock.cleanAll();
	});
	after(() => {
		nock.enableNetConnect();
	});
}
