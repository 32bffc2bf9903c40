/** The site and credentials every example reads from the environment. */
export function settings(): {serverUrl: string; portalUrl: string; username: string; password: string} {
	const need = (name: string): string => {
		const value = process.env[name];
		if (!value) {
			console.error(`Set ${name} (see examples/README.md).`);
			process.exit(2);
		}

		return value;
	};

	return {
		serverUrl: process.env.ARCGIS_SERVER_URL ?? '',
		portalUrl: process.env.ARCGIS_PORTAL_URL ?? '',
		username: need('ARCGIS_USERNAME'),
		password: need('ARCGIS_PASSWORD'),
	};
}
