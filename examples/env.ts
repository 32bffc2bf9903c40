import {HTTPError, RequestError} from 'got';
import {TokenAuthenticationError} from 'got-arcgis-auth';

/*
What a user meets when an example fails: one line that says what went wrong and an exit code a
script can test (2 setup, 3 authentication, 4 the site or its answer), never got's dump of the
request options or a stack trace.
*/
process.on('uncaughtException', (error: unknown) => {
	if (error instanceof TokenAuthenticationError) {
		console.error(`${error.code}: ${error.message}`);
		process.exit(error.code === 'NETWORK_ERROR' ? 4 : error.code === 'INVALID_OPTION' ? 2 : 3);
	}

	if (error instanceof HTTPError) {
		console.error(`HTTP ${error.response.statusCode} from ${error.options.url?.toString() ?? 'the site'}`);
		process.exit(4);
	}

	if (error instanceof RequestError) {
		console.error(`${error.message}${error.options.url ? ` (${new URL(String(error.options.url)).origin})` : ''}`);
		process.exit(4);
	}

	console.error(error);
	process.exit(1);
});

/** Stops an example that did not do its job: the message on standard error, exit 4. */
export function fail(message: string): never {
	console.error(message);
	process.exit(4);
}

type Site = 'ARCGIS_SERVER_URL' | 'ARCGIS_PORTAL_URL';

/** The site and credentials an example reads from the environment; each example names the URLs it needs. */
export function settings(...sites: Site[]): {serverUrl: string; portalUrl: string; username: string; password: string} {
	const need = (name: string): string => {
		const value = process.env[name];
		if (!value) {
			console.error(`Set ${name} (see examples/README.md).`);
			process.exit(2);
		}

		return value;
	};

	const url = (name: Site): string => {
		if (!sites.includes(name)) {
			return process.env[name] ?? '';
		}

		const value = need(name);
		if (!/^https?:\/\/[^/]/.test(value)) {
			console.error(`${name} must be an http:// or https:// URL such as https://gis.example.com/${name === 'ARCGIS_SERVER_URL' ? 'arcgis' : 'portal'}, got ${JSON.stringify(value)}.`);
			process.exit(2);
		}

		return value.replace(/\/+$/, '');
	};

	return {serverUrl: url('ARCGIS_SERVER_URL'), portalUrl: url('ARCGIS_PORTAL_URL'), username: need('ARCGIS_USERNAME'), password: need('ARCGIS_PASSWORD')};
}
