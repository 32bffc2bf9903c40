import nock from 'nock';
import sinon from 'sinon';
import {kerberosLoader, forgetKerberosModule, type KerberosModule} from '../../lib/web-tier/kerberos.js';
import {ntlmType, type2Message} from './ntlm-fixtures.js';

/**
A nock model of an IIS site under Integrated Windows Authentication, for the decision logic. It
has no sockets (nock cannot model them), so "this connection is already authenticated" is a switch:
after one accepted NTLM login, requests without Authorization are let through. Real connection
binding is proven against Apache in the integration suite.
*/
export class FakeIwaSite {
	readonly authorizations: Array<string | undefined> = [];
	/** Challenges sent with an anonymous 401, as separate headers (as IIS does). */
	offer: string[] = ['Negotiate', 'NTLM'];
	acceptType3 = true;
	acceptKerberos = true;
	/** The token a 200 carries back for Kerberos mutual authentication (undefined: none). */
	mutualToken: string | undefined = 'server-proof';
	type2: string = type2Message();
	#loggedIn = false;
	#unauthorized = 0;

	constructor(
		readonly origin: string,
		readonly body: (path: string) => unknown = () => ({ok: true}),
	) {
		// eslint-disable-next-line @typescript-eslint/no-this-alias
		const site = this;
		const handler = function (this: nock.ReplyFnContext, uri: string): nock.ReplyFnResult {
			return site.#answer(uri, this.req.headers.authorization);
		};

		nock(origin)
			.persist()
			.get(() => true)
			.reply(handler)
			.post(() => true)
			.reply(handler);
	}

	get handshakes(): number {
		return this.authorizations.filter(header => ntlmType(header) === 1).length;
	}

	/** How many 401s the site answered. */
	get unauthorized(): number {
		return this.#unauthorized;
	}

	#challenge(headers: string[]): nock.ReplyFnResult {
		this.#unauthorized++;
		return [401, '', headers.flatMap(value => ['WWW-Authenticate', value])];
	}

	#answer(path: string, authorization: string | undefined): nock.ReplyFnResult {
		this.authorizations.push(authorization);
		if (authorization === undefined) {
			return this.#loggedIn ? [200, this.body(path) as nock.Body] : this.#challenge(this.offer);
		}

		const [scheme] = authorization.split(' ');
		const type = ntlmType(authorization);
		if (type === 1) {
			return this.#challenge([`${scheme} ${this.type2}`]);
		}

		if (type === 3) {
			if (!this.acceptType3) {
				return this.#challenge(this.offer);
			}

			this.#loggedIn = true;
			return [200, this.body(path) as nock.Body];
		}

		if (scheme === 'Negotiate' && authorization.startsWith('Negotiate KRB-') && this.acceptKerberos) {
			return [200, this.body(path) as nock.Body, this.mutualToken ? {'WWW-Authenticate': `Negotiate ${this.mutualToken}`} : {}];
		}

		return this.#challenge(this.offer);
	}
}

export type FakeKerberos = {
	module: KerberosModule;
	contexts: number;
	/** What `step('')` does for context number `context` (from 1): return a token, or throw like GSS-API without a ticket. */
	first: (context: number) => string;
	/** What verifying the server's token does. */
	verify: (token: string) => void;
};

/** Replaces the optional `kerberos` package with a fake for the rest of the spec (or hides it). */
export function fakeKerberos(present = true): FakeKerberos {
	forgetKerberosModule();
	const fake: FakeKerberos = {
		contexts: 0,
		first: context => `KRB-${context}`,
		verify(token) {
			if (token !== 'server-proof') {
				throw new Error('GSS error: token failed verification');
			}
		},
		module: {
			GSS_MECH_OID_SPNEGO: 6,
			GSS_C_MUTUAL_FLAG: 2,
			GSS_C_SEQUENCE_FLAG: 8,
			async initializeClient() {
				// Numbered when made: concurrent contexts step later, each must still have its own token.
				const context = ++fake.contexts;
				let started = false;
				return Promise.resolve({
					contextComplete: false,
					async step(challenge: string) {
						// Throwing inside an async function rejects, as the native module does.
						await Promise.resolve();
						if (!started) {
							started = true;
							return fake.first(context);
						}

						fake.verify(challenge);
						return null;
					},
				});
			},
		},
	};
	sinon.stub(kerberosLoader, 'load').callsFake(async () => {
		await Promise.resolve();
		if (!present) {
			throw Object.assign(new Error("Cannot find package 'kerberos'"), {code: 'ERR_MODULE_NOT_FOUND'});
		}

		return fake.module;
	});
	return fake;
}
