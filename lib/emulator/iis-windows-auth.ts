import {randomBytes} from 'node:crypto';
import type {Socket} from 'node:net';
import {checkLogin, type Accounts} from './accounts.js';
import {accountNamed, provesPassword} from './ntlm-verify.js';
import {challengeMessage, ntlmBytes, ntlmMessageType, readAuthenticate} from './ntlm-wire.js';
import type {Reply} from './responses.js';
import type {EmulatorStats} from './stats.js';

/** The NetBIOS names the emulator's Type 2 gives (any domain in a Type 3 is accepted). */
const DOMAIN = 'EMULATOR';
const COMPUTER = 'ARCGIS';

const CHALLENGES: Array<[string, string]> = [
	['www-authenticate', 'Negotiate'],
	['www-authenticate', 'NTLM'],
];

/** A connection mid-handshake (its Type 2's challenge, under the scheme the client used) or signed in. */
type ConnectionState = {stage: 'challenged'; challenge: Buffer} | {stage: 'authenticated'; user: string};

/** Let through as a user, or answered (a 401) before any route sees the request. */
export type Admission = {user: string} | {reply: Reply};

/**
The account whose password a Type 3 proves for the connection's challenge, checked as every login
of the emulator is (checkLogin: a wrong password counts towards the account's lockout, a locked
account proves nothing). Every refusal counts in `failedLogins`.
*/
function provenAccount(bytes: Buffer, challenge: Buffer, accounts: Accounts): string | undefined {
	const message = readAuthenticate(bytes);
	const user = message && accountNamed(message, accounts.options.users);
	if (!message || user === undefined) {
		accounts.stats.failedLogins++;
		return undefined;
	}

	return checkLogin(accounts, user, password => provesPassword(message, password, challenge)) === 'accepted' ? user : undefined;
}

/**
The web adaptor's Integrated Windows Authentication as IIS runs it, anonymous access off: NTLM
binds to the TCP connection. A Type 1 (under `NTLM`, or raw NTLMSSP under `Negotiate`) gets a 401
with a Type 2 carrying a fresh random challenge, kept for that socket; the Type 3 on the same
socket is checked against the user's password (NTLMv2) and, when it proves it, signs the
connection in as that user, so later requests on it need no header. Everything else — no header,
a wrong password, an unknown user, a Type 3 on another connection than its challenge, a Kerberos
token (the emulator has no keytab to check one with, and says so rather than trusting it) — is
IIS's 401 with both challenges. A wrong password counts towards the account's lockout, as Active
Directory counts NTLM failures; a locked account is refused whatever the password. Never logs or
counts a name or a password.
*/
export class IisWindowsAuth {
	readonly #connections = new WeakMap<Socket, ConnectionState>();

	/** Decides a request under the web tier from its connection and its Authorization header. */
	admit(socket: Socket, authorization: string | undefined, accounts: Accounts & {readonly stats: EmulatorStats}): Admission {
		const {stats} = accounts;
		const [scheme = '', token] = (authorization ?? '').trim().split(/\s+/, 2);
		const known = this.#connections.get(socket);
		const isWindowsScheme = /^(ntlm|negotiate)$/i.test(scheme);
		const bytes = isWindowsScheme ? ntlmBytes(token) : undefined;
		if (bytes === undefined) {
			if (known?.stage === 'authenticated') {
				return {user: known.user};
			}

			stats.count(isWindowsScheme && /^negotiate$/i.test(scheme) && token ? 'webTier.kerberosRefused' : 'webTier.challenge');
			return {reply: {status: 401, headers: CHALLENGES}};
		}

		const type = ntlmMessageType(bytes);
		if (type === 1) {
			// A new handshake replaces whatever the connection was (IIS re-authenticates it).
			const challenge = randomBytes(8);
			this.#connections.set(socket, {stage: 'challenged', challenge});
			stats.count('webTier.ntlmChallenge');
			const type2 = challengeMessage(challenge, {domain: DOMAIN, computer: COMPUTER}).toString('base64');
			return {reply: {status: 401, headers: [['www-authenticate', `${scheme} ${type2}`]]}};
		}

		// A Type 3 answers only the challenge sent on its own connection, and only once.
		this.#connections.delete(socket);
		const answersChallenge = type === 3 && known?.stage === 'challenged';
		if (!answersChallenge) {
			stats.failedLogins++;
		}

		const user = answersChallenge ? provenAccount(bytes, known.challenge, accounts) : undefined;
		if (user === undefined) {
			stats.count('webTier.ntlmRefused');
			return {reply: {status: 401, headers: CHALLENGES}};
		}

		this.#connections.set(socket, {stage: 'authenticated', user});
		stats.count('webTier.ntlmAccepted');
		return {user};
	}
}
