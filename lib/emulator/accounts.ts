/** The emulator's accounts as a login checks them: passwords, failed logins so far, and the lockout. */
export type Accounts = {
	readonly options: {readonly users: ReadonlyMap<string, string>; readonly lockoutAfter: number};
	readonly failures: Map<string, number>;
	readonly stats: {failedLogins: number};
};

/**
One login against an account, as a domain controller counts it, whatever the protocol
(generateToken, the OAuth sign-in form, NTLM): `proves` says whether what the client sent proves
the account's password. A wrong password counts towards `lockoutAfter`; a locked account is refused
whatever the password; a success clears the count. Every refusal counts in `failedLogins`.
*/
export function checkLogin(accounts: Accounts, username: string, proves: (password: string) => boolean): 'accepted' | 'wrong' | 'locked' {
	const failures = accounts.failures.get(username) ?? 0;
	const locked = accounts.options.lockoutAfter > 0 && failures >= accounts.options.lockoutAfter;
	const password = accounts.options.users.get(username);
	if (locked || username === '' || password === undefined || !proves(password)) {
		accounts.stats.failedLogins++;
		if (!locked && username !== '') {
			accounts.failures.set(username, failures + 1);
		}

		return locked ? 'locked' : 'wrong';
	}

	accounts.failures.delete(username);
	return 'accepted';
}
