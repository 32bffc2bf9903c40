import {chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {randomBytes} from 'node:crypto';
import {UsageError} from '../exit-codes.js';

/** What the CLI keeps of a sign-in; never a password, and the refresh token only where `secret` says 'file'. */
export type SignInRecord = {
	/** The portal root, as `resolveOptions` gives it (no `/sharing/rest`, no trailing slash). */
	portal: string;
	clientId: string;
	/** The sign-in's redirect URI: renewing the refresh token repeats it. */
	redirectUri: string;
	username?: string | undefined;
	/** ISO 8601, when the portal said. */
	refreshTokenExpires?: string | undefined;
	/** ISO 8601: when this record was last written. */
	saved: string;
	/** `saml-kerberos`: an enterprise login with the Kerberos ticket, which the CLI makes again by itself when the refresh token ends. */
	relogin?: 'saml-kerberos' | undefined;
	/** Where the refresh token is: in the OS keychain, or in this file (`refreshToken`). */
	secret: 'keychain' | 'file';
	refreshToken?: string;
};

type FileShape = {version: 1; signIns: SignInRecord[]};

const FILE_NAME = 'sign-ins.json';

/**
The sign-ins file: readable and writable by the user alone (0600, in a 0700 folder), replaced
whole by a rename so a crash never leaves half a file, and its mode put right if someone widened it.
*/
export class SignInFile {
	readonly path: string;
	readonly #dir: string;

	constructor(dir: string) {
		this.#dir = dir;
		this.path = join(dir, FILE_NAME);
	}

	/** The stored sign-ins ([] when there is no file), and a note when the file's mode had to be narrowed. */
	read(): {records: SignInRecord[]; note?: string} {
		let text: string;
		try {
			text = readFileSync(this.path, 'utf8');
		} catch (error: unknown) {
			if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
				return {records: []};
			}

			throw new UsageError(`cannot read ${this.path}: ${(error as Error).message}`);
		}

		const note = this.#narrowMode();
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			parsed = undefined;
		}

		const shape = parsed as Partial<FileShape> | undefined;
		if (shape?.version !== 1 || !Array.isArray(shape.signIns)) {
			// Never the content: it may hold refresh tokens.
			throw new UsageError(`${this.path} is not a sign-ins file this version can read: move it away and run arcgis-auth login again.`);
		}

		return {records: shape.signIns, ...(note ? {note} : {})};
	}

	write(records: SignInRecord[]): void {
		mkdirSync(this.#dir, {recursive: true, mode: 0o700});
		if (process.platform !== 'win32') {
			chmodSync(this.#dir, 0o700);
		}

		const body: FileShape = {version: 1, signIns: records};
		// Created 0600 from the first byte (a chmod afterwards would leave a window), then renamed over the old one.
		const temporary = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
		writeFileSync(temporary, `${JSON.stringify(body, null, '\t')}\n`, {mode: 0o600, flag: 'wx'});
		renameSync(temporary, this.path);
	}

	#narrowMode(): string | undefined {
		if (process.platform === 'win32') {
			return undefined;
		}

		const mode = statSync(this.path).mode & 0o777;
		if ((mode & 0o077) === 0) {
			return undefined;
		}

		chmodSync(this.path, 0o600);
		return `${this.path} was readable by others (mode ${mode.toString(8)}); it is now 0600. Refresh tokens in it may have been read: consider arcgis-auth logout and login again.`;
	}
}
