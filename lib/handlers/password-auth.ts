import {ArcGISAuthBase} from './arcgis-auth-base.js';

/**
What the handlers that log in with a username and password share beyond the base: new credentials
can be given. (`ArcGISTokenAuth` logs in with nothing, so it has no such method: `setToken`.)
*/
export abstract class ArcGISPasswordAuth extends ArcGISAuthBase {
	/** Replaces the credentials and resets the handler: the way to try again after a refused login. */
	setCredentials(username: string, password: string): void {
		this.replaceCredentials(username, password);
	}
}
