import type {ResolvedEmulatorOptions} from './options.js';
import type {EmulatorRequest} from './request.js';
import type {Reply} from './responses.js';
import type {EmulatorStats} from './stats.js';
import type {TokenStore} from './token-store.js';

export type PortalUser = {fullName: string; role: string};

/** The emulator's state, shared by its routes. */
export type EmulatorContext = {
	options: ResolvedEmulatorOptions;
	readonly tokens: TokenStore;
	readonly stats: EmulatorStats;
	/** The origin clients reach, e.g. `http://127.0.0.1:49152`. */
	readonly origin: string;
	/** Failed logins in a row per user name, for the lockout switch. */
	readonly failures: Map<string, number>;
	/** Administrator API: stopped services by key (`folder/name.type`, lower case); absent means started. */
	readonly stopped: Set<string>;
	/** Portal users and their roles (a role change is visible in later reads). */
	readonly portalUsers: Map<string, PortalUser>;
};

/** A route answers its requests, or returns undefined for a path that is not its own. */
export type Route = (request: EmulatorRequest, context: EmulatorContext) => Reply | undefined;

/** Keeps the portal's user table in step with the users option, keeping the roles already changed. */
export function syncPortalUsers(context: Pick<EmulatorContext, 'options' | 'portalUsers'>): void {
	for (const name of context.portalUsers.keys()) {
		if (!context.options.users.has(name)) {
			context.portalUsers.delete(name);
		}
	}

	for (const [name, user] of context.options.users) {
		if (!context.portalUsers.has(name)) {
			context.portalUsers.set(name, {fullName: user.fullName, role: user.admin ? 'org_admin' : 'org_user'});
		}
	}
}
