import {isOwnedBy} from '../../federation/owning-system.js';
import {configDir} from './config-dir.js';
import {openOsKeychain, type Keychain, type KeychainOutcome} from './keychain.js';
import {SignInFile, type SignInRecord} from './sign-in-file.js';

export type {SignInRecord} from './sign-in-file.js';

/** How the store reaches the OS keychain; specs hand in their own. */
export type KeychainOpener = () => Promise<KeychainOutcome>;

/** What a new sign-in brings to be stored. */
export type NewSignIn = Omit<SignInRecord, 'saved' | 'secret' | 'refreshToken'>;

/** Whether two portal roots are the same portal (ArcGIS Online's www and an organisation's URL are one). */
export function samePortal(a: string, b: string): boolean {
	return isOwnedBy(a, b);
}

const accountOf = (record: Pick<SignInRecord, 'clientId' | 'portal'>) => `${record.clientId}@${record.portal}`;

/**
The CLI's sign-ins: the list in a file of the user's alone, the refresh tokens in the OS keychain
when one works, else in that file. The keychain is opened only when a secret is written or read
(macOS may ask the user about it; `status` never needs it).
*/
export class SignInStore {
	readonly #file: SignInFile;
	readonly #openKeychain: KeychainOpener;
	#keychain: Promise<KeychainOutcome> | undefined;

	constructor(env: NodeJS.ProcessEnv, openKeychain: KeychainOpener = openOsKeychain) {
		this.#file = new SignInFile(configDir(env));
		this.#openKeychain = openKeychain;
	}

	/** The sign-ins file's path. */
	get path(): string {
		return this.#file.path;
	}

	list(): {records: SignInRecord[]; note?: string} {
		return this.#file.read();
	}

	/** The stored sign-in for a portal root, if any. */
	find(portal: string): SignInRecord | undefined {
		return this.list().records.find(record => samePortal(record.portal, portal));
	}

	/** The refresh token of a stored sign-in (undefined when its keychain entry is gone). */
	async refreshToken(record: SignInRecord): Promise<string | undefined> {
		if (record.secret === 'file') {
			return record.refreshToken;
		}

		const outcome = await this.#keychainOutcome();
		return 'keychain' in outcome ? outcome.keychain.get(accountOf(record)) : undefined;
	}

	/**
	Stores a sign-in (replacing the portal's earlier one) and says where its refresh token went; when
	the keychain could not be used, why.
	*/
	async save(signIn: NewSignIn, refreshToken: string): Promise<{where: string; note?: string}> {
		const outcome = await this.#keychainOutcome();
		const keychain: Keychain | undefined = 'keychain' in outcome ? outcome.keychain : undefined;
		const base = {...signIn, saved: new Date().toISOString()};
		let record: SignInRecord;
		if (keychain) {
			await keychain.set(accountOf(signIn), refreshToken);
			record = {...base, secret: 'keychain'};
		} else {
			record = {...base, secret: 'file', refreshToken};
		}

		const others = this.list().records.filter(existing => !samePortal(existing.portal, signIn.portal));
		this.#file.write([...others, record]);
		return keychain ? {where: keychain.name} : {where: this.#file.path, note: (outcome as {unavailable: string}).unavailable};
	}

	/** Forgets a portal's sign-in, here and in the keychain. */
	async forget(record: SignInRecord): Promise<void> {
		if (record.secret === 'keychain') {
			const outcome = await this.#keychainOutcome();
			if ('keychain' in outcome) {
				await outcome.keychain.delete(accountOf(record));
			}
		}

		this.#file.write(this.list().records.filter(existing => !samePortal(existing.portal, record.portal)));
	}

	#keychainOutcome(): Promise<KeychainOutcome> {
		this.#keychain ??= this.#openKeychain();
		return this.#keychain;
	}
}
