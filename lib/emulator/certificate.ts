/** A certificate and key made at start, valid for the loopback names only; nothing is stored. */
export type EmulatorCertificate = {cert: string; key: string};

/**
Generates a self-signed certificate for `localhost`, `127.0.0.1` and `::1`. The selfsigned package
is loaded only here, so HTTP-only users of the emulator never load it.
*/
export async function makeCertificate(): Promise<EmulatorCertificate> {
	const {generate} = await import('selfsigned');
	const notBeforeDate = new Date(Date.now() - 60_000);
	const notAfterDate = new Date(Date.now() + 7 * 24 * 3_600_000);
	const pems = await generate([{name: 'commonName', value: 'localhost'}], {
		keyType: 'ec',
		curve: 'P-256',
		algorithm: 'sha256',
		notBeforeDate,
		notAfterDate,
		extensions: [
			{name: 'basicConstraints', cA: true},
			{
				name: 'subjectAltName',
				altNames: [
					{type: 2, value: 'localhost'},
					{type: 7, ip: '127.0.0.1'},
					{type: 7, ip: '::1'},
				],
			},
		],
	});
	return {cert: pems.cert, key: pems.private};
}

/** PKI for the emulator's client-certificate mode: the authority it trusts, and one certificate it issued. */
export type EmulatorPki = {
	/** The certificate authority made at start; the emulator accepts client certificates it signed. */
	authority: string;
	/** A client certificate (common name: the user) and its key, PEM. */
	client: {certificate: string; key: string};
};

/** Makes a certificate authority and a client certificate it signs for `username`; nothing is stored. */
export async function makeClientPki(username: string): Promise<EmulatorPki> {
	const {generate} = await import('selfsigned');
	const notBeforeDate = new Date(Date.now() - 60_000);
	const notAfterDate = new Date(Date.now() + 7 * 24 * 3_600_000);
	const common = {keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate} as const;
	const authority = await generate([{name: 'commonName', value: 'got-arcgis-auth emulator test CA'}], {
		...common,
		extensions: [
			{name: 'basicConstraints', cA: true},
			{name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true},
		],
	});
	const client = await generate([{name: 'commonName', value: username}], {
		...common,
		ca: {key: authority.private, cert: authority.cert},
		extensions: [
			{name: 'basicConstraints', cA: false},
			{name: 'keyUsage', digitalSignature: true},
			{name: 'extKeyUsage', clientAuth: true},
		],
	});
	return {authority: authority.cert, client: {certificate: client.cert, key: client.private}};
}
