import type {Site} from '../site/site.js';
import type {FleetIdentity} from '../store/fleet-keys.js';
import type {CallContext} from '../token/arcgis-client.js';
import type {IssuedToken} from '../token/issued-token.js';
import type {TokenEndpoint} from '../token/token-endpoint.js';

/**
What a handler logs in with — a password, a token given as it is, and next an OAuth client or
refresh token, a SAML login. Everything else (where the token service is, single flight, refresh,
placement, redirects) is the same for all of them; a new kind of credential is a new file.
*/
export interface Credential {
	/** A token from the token service at `endpoint` (for `endpoint.forServer` when set). */
	fetch(endpoint: TokenEndpoint, call: CallContext): Promise<IssuedToken>;

	/**
	Where the tokens come from when no token service is involved (a token given as it is): the site
	itself, with no discovery. Undefined: the site rules find the token service.
	*/
	ownEndpoint?(site: Site): TokenEndpoint;

	/** The user it logs in as, if it names one (`auth.username`; NTLM logs in as this user). */
	readonly username?: string | undefined;

	/** The password, if it has one: the web tier's NTLM handshake answers with it (and never sends it). */
	readonly password?: string | undefined;

	/** The secrets it holds, scrubbed from every message and error the handler hands on. */
	secrets(): ReadonlyArray<string | undefined>;

	/**
	Who its tokens belong to, for a store shared by a fleet (option `store`): the login without its
	secret, and the secret a refusal is kept against. Undefined (or absent): its tokens are not
	shared, as for a token given as it is. `site`: the site the handler is bound to, for a
	credential whose identity is the site's (a SAML session: its portal's user).
	*/
	fleetIdentity?(site: Site | undefined): FleetIdentity | undefined;

	/** Forgets what it remembers of earlier requests (`auth.reset()`). */
	reset(): void;
}
