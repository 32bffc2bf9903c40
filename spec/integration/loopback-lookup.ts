import {lookup, type LookupAddress, type LookupOptions} from 'node:dns';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
A got `dnsLookup` that resolves the test hosts (in no DNS: `arcgis.example.test`, `idp.example.test`)
to 127.0.0.1 for these requests only, and every other name as the system does.
*/
export function loopbackLookup(isTestHost: (hostname: string) => boolean): (hostname: string, options: LookupOptions, callback: LookupCallback) => void {
	return (hostname, options, callback) => {
		if (isTestHost(hostname)) {
			if (options.all) {
				callback(null, [{address: '127.0.0.1', family: 4}]);
			} else {
				callback(null, '127.0.0.1', 4);
			}

			return;
		}

		lookup(hostname, options, callback as never);
	};
}
