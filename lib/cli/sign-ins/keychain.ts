/** Where the OS keeps secrets: the macOS Keychain, Windows Credential Manager, the Secret Service on Linux desktops. */
export type Keychain = {
	/** Names the keychain in messages ("the OS keychain (Secret Service)"). */
	readonly name: string;
	get(account: string): Promise<string | undefined>;
	set(account: string, secret: string): Promise<void>;
	delete(account: string): Promise<void>;
};

/** What opening the keychain gave: one that works, or why there is none (never a secret). */
export type KeychainOutcome = {keychain: Keychain} | {unavailable: string};

/** The service name the refresh tokens are filed under. */
const SERVICE = 'got-arcgis-auth';

type KeyringEntry = {getPassword(): string | null | undefined; setPassword(secret: string): void; deletePassword(): boolean};
type KeyringModule = {Entry: new (service: string, account: string) => KeyringEntry};

/**
Opens the OS keychain through `@napi-rs/keyring`, an optional peer dependency (a native binding; the
CLI works without it). The binding loads on headless Linux but has no keychain to talk to there
(AccessDenied: no Secret Service on the session bus), so a write and a read are tried before it is
trusted; whatever fails, the caller falls back to a file readable by the user alone.
*/
export async function openOsKeychain(): Promise<KeychainOutcome> {
	let keyring: KeyringModule;
	try {
		// A variable specifier keeps TypeScript (and bundlers) from requiring the optional package.
		const name = '@napi-rs/keyring';
		keyring = (await import(name)) as KeyringModule;
	} catch {
		return {unavailable: 'the optional package @napi-rs/keyring is not installed'};
	}

	const entry = (account: string) => new keyring.Entry(SERVICE, account);
	try {
		const probe = entry('probe');
		probe.setPassword('probe');
		const read = probe.getPassword();
		probe.deletePassword();
		if (read !== 'probe') {
			return {unavailable: 'the OS keychain did not give back what was stored in it'};
		}
	} catch (error: unknown) {
		return {unavailable: `the OS keychain could not be used (${error instanceof Error ? error.message : String(error)})`};
	}

	return {
		keychain: {
			name: 'the OS keychain',
			// The binding is synchronous; the interface is not, so that other keychains fit it.
			get: async account => Promise.resolve().then(() => entry(account).getPassword() ?? undefined),
			set: async (account, secret) =>
				Promise.resolve().then(() => {
					entry(account).setPassword(secret);
				}),
			delete: async account =>
				Promise.resolve().then(() => {
					try {
						entry(account).deletePassword();
					} catch {
						// Already gone: forgetting is what was asked.
					}
				}),
		},
	};
}
