import {PasswordCredential} from '../credentials/password.js';
import {checkCredentials, type AuthOptions, type WebTierOptions} from '../options.js';
import {ArcGISAuthBase, type HandlerKind} from './arcgis-auth-base.js';

/**
What the handlers that log in with a username and password share beyond the base: the password
credential, and new credentials can be given. (`ArcGISTokenAuth` logs in with nothing, so it has no
such method: `setToken`.)
*/
export abstract class ArcGISPasswordAuth extends ArcGISAuthBase {
	readonly #credential: PasswordCredential;

	/** @internal The four handlers' constructor: credentials are required unless the handler speaks the web tier. */
	protected constructor(kind: HandlerKind, username: string | undefined, password: string | undefined, options: (AuthOptions & WebTierOptions) | undefined) {
		checkCredentials(username, password, !kind.webTier);
		let credential: PasswordCredential | undefined;
		super(kind, options, ({settings, client}) => (credential = new PasswordCredential(kind.name, username, password, settings, client)));
		this.#credential = credential!;
	}

	/** Replaces the credentials and resets the handler: the way to try again after a refused login. */
	setCredentials(username: string, password: string): void {
		checkCredentials(username, password, true);
		this.#credential.replace(username, password);
		this.reset();
	}
}
