import type {Challenge} from './www-authenticate.js';

/** How the web tier is answered: Kerberos (SPNEGO), or NTLM under the scheme the server offered. */
export type Mechanism = {kind: 'kerberos'} | {kind: 'ntlm'; scheme: 'NTLM' | 'Negotiate'};

export type Availability = {
	/** The optional `kerberos` package could be loaded. */
	kerberos: boolean;
	/** A username and password were given (NTLM needs them; Kerberos uses the ticket cache). */
	credentials: boolean;
};

/** Whether a 401 asks for the web tier (Negotiate or NTLM, as IIS Integrated Windows Authentication does), not a Basic or bearer realm. */
export function offersWebTier(challenges: readonly Challenge[]): boolean {
	return challenges.some(challenge => challenge.scheme === 'negotiate' || challenge.scheme === 'ntlm');
}

/**
The one place that decides which mechanisms a 401 allows, in the order to try them: Kerberos for a
`Negotiate` challenge when the module is there, then NTLM (under `NTLM`, or raw NTLMSSP under
`Negotiate`, which IIS and gss-ntlmssp both accept) when credentials are there. When nothing is
possible, `missing` says which piece is missing, for the warning.
*/
export function chooseMechanisms(challenges: readonly Challenge[], available: Availability): {order: Mechanism[]; missing: string[]} {
	const schemes = new Set(challenges.map(challenge => challenge.scheme));
	const negotiate = schemes.has('negotiate');
	const ntlm = schemes.has('ntlm');
	const order: Mechanism[] = [];
	const missing: string[] = [];

	if (negotiate) {
		if (available.kerberos) {
			order.push({kind: 'kerberos'});
		} else {
			missing.push("Kerberos needs the optional package 'kerberos' (npm install kerberos)");
		}
	}

	if (ntlm || negotiate) {
		if (available.credentials) {
			order.push({kind: 'ntlm', scheme: ntlm ? 'NTLM' : 'Negotiate'});
		} else {
			missing.push('NTLM needs a username and password (none were given)');
		}
	}

	if (!offersWebTier(challenges)) {
		const offered = [...schemes].join(', ') || 'no scheme at all';
		missing.push(`the site offers neither Negotiate nor NTLM (it offers ${offered})`);
	}

	return {order, missing};
}

/** The mechanism after `current` in the order, if any (Kerberos failed → NTLM). */
export function fallbackAfter(order: readonly Mechanism[], current: Mechanism): Mechanism | undefined {
	const index = order.findIndex(mechanism => mechanism.kind === current.kind);
	return index === -1 ? undefined : order[index + 1];
}
