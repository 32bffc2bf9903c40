import {TokenAuthenticationError} from '../errors.js';
import type {MutualAuth} from '../web-tier/kerberos.js';
import {findKerberos, servicePrincipal, startKerberos, verifyMutualAuth} from '../web-tier/kerberos.js';
import {ntlmAuthenticate, ntlmIdentity, ntlmNegotiate, underScheme} from '../web-tier/ntlm-messages.js';
import {challengeToken, readChallenges, type Challenge} from '../web-tier/www-authenticate.js';

/** An answer of the identity provider, as the login walk sees it. */
export type IdpAnswer = {statusCode: number; headers: Record<string, string | string[] | undefined>; rawHeaders: string[]; body: string; url: URL};

/** Sends the same request again with an `Authorization` header, on the walk's one keep-alive connection per origin. */
export type Resend = (authorization: string) => Promise<IdpAnswer>;

/** Who the identity provider's Windows authentication logs in: a Kerberos ticket, or NTLM with a password. */
export type WindowsLogin = {username?: string | undefined; password?: string | undefined; spn?: string | undefined; mutualAuth: MutualAuth; workstation?: string | undefined};

const refused = (message: string, url: URL, cause?: unknown) => new TokenAuthenticationError('SAML_LOGIN_FAILED', message, {url, cause});

/** Whether a 401 asks for Windows authentication (Negotiate or NTLM). */
export function asksForWindowsLogin(answer: IdpAnswer): boolean {
	return answer.statusCode === 401 && readChallenges(answer).some(challenge => challenge.scheme === 'negotiate' || challenge.scheme === 'ntlm');
}

/**
Answers the identity provider's 401 as a browser on a domain machine does (AD FS with Windows
authentication): Kerberos from the ticket cache first when `Negotiate` is offered, then NTLM with the
username and password. Only ever called for the identity provider's host — the portal never gets a
Kerberos or NTLM header. A 401 after a finished handshake is a refused login: SAML_LOGIN_FAILED,
never tried again here (accounts lock).
*/
export async function windowsLogin(challenged: IdpAnswer, resend: Resend, login: WindowsLogin): Promise<IdpAnswer> {
	const {url} = challenged;
	const challenges = readChallenges(challenged);
	const offers = (scheme: string) => challenges.some(challenge => challenge.scheme === scheme);
	const reasons: string[] = [];

	if (offers('negotiate')) {
		const kerberos = await findKerberos();
		if (kerberos) {
			try {
				const {client, token} = await startKerberos(kerberos, servicePrincipal(url, login.spn), login.mutualAuth, url);
				const answer = await resend(`Negotiate ${token}`);
				if (answer.statusCode !== 401) {
					await verifyMutualAuth(client, challengeToken(readChallenges(answer), 'negotiate'), login.mutualAuth, url);
					return answer;
				}

				reasons.push('it refused the Kerberos ticket');
			} catch (error: unknown) {
				if (error instanceof TokenAuthenticationError && error.code === 'WEB_TIER_FAILED') {
					reasons.push(error.message.replace(/\.$/, ''));
				} else {
					throw error;
				}
			}
		} else {
			reasons.push("no Kerberos: the optional package 'kerberos' is not installed");
		}
	}

	const ntlmScheme = offers('ntlm') ? 'NTLM' : offers('negotiate') ? 'Negotiate' : undefined;
	if (ntlmScheme && login.username !== undefined && login.password !== undefined) {
		return ntlmLogin(ntlmScheme, challenges, resend, login, url);
	}

	if (ntlmScheme && login.username === undefined) {
		reasons.push('no username and password for NTLM');
	}

	throw refused(`The identity provider at ${url.host} asks for Windows authentication and the login did not succeed: ${reasons.join('; ') || 'no mechanism it offers is available'}.`, url);
}

async function ntlmLogin(scheme: 'NTLM' | 'Negotiate', challenges: readonly Challenge[], resend: Resend, login: WindowsLogin, url: URL): Promise<IdpAnswer> {
	const identity = ntlmIdentity(login.username!, login.workstation);
	const negotiate = await resend(underScheme(scheme, ntlmNegotiate(identity)));
	if (negotiate.statusCode !== 401) {
		return negotiate;
	}

	const offered = readChallenges(negotiate);
	const challenge = challengeToken(offered, scheme) ?? challengeToken(offered, 'ntlm') ?? challengeToken(offered, 'negotiate') ?? challengeToken(challenges, scheme);
	const answer = await resend(underScheme(scheme, ntlmAuthenticate(challenge, identity, login.password!, url)));
	if (answer.statusCode === 401) {
		throw refused(`The identity provider at ${url.host} refused the NTLM login of ${login.username!} (wrong password, or a locked account); it is not tried again.`, url);
	}

	return answer;
}
