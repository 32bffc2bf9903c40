import {randomBytes} from 'node:crypto';
import {inflateRawSync} from 'node:zlib';
import {generate} from 'selfsigned';
import {SignedXml} from 'xml-crypto';

/**
A SAML IdP in the spec process, for the emulator's SP specs without SimpleSAMLphp: a key and
certificate made here, and responses signed with xml-crypto as SimpleSAMLphp signs them (the
Response and its Assertion, RSA-SHA256, exclusive C14N, the Signature after the Issuer). The real
IdP is spec/integration/saml-idp.spec.ts; this one can also sign what a real IdP never would.
*/
export type LocalIdp = {certificate: string; key: string; issuer: string};

export async function makeLocalIdp(issuer = 'https://idp.local.test/saml2/idp/metadata.php'): Promise<LocalIdp> {
	const pems = await generate([{name: 'commonName', value: 'idp.local.test'}], {keyType: 'rsa', keySize: 2048, algorithm: 'sha256'});
	return {certificate: pems.cert, key: pems.private, issuer};
}

/** What an AuthnRequest in an HTTP-Redirect URL asks: its ID, ACS URL, issuer and destination. */
export function readAuthnRequest(location: string): {id: string; acs: string; issuer: string; destination: string; xml: string} {
	const xml = inflateRawSync(Buffer.from(new URL(location).searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
	const attribute = (name: string) => new RegExp(`\\s${name}="([^"]*)"`).exec(xml)?.[1] ?? '';
	return {id: attribute('ID'), acs: attribute('AssertionConsumerServiceURL'), destination: attribute('Destination'), issuer: /<(?:\w+:)?Issuer[^>]*>([^<]*)</.exec(xml)?.[1] ?? '', xml};
}

export type ResponseOptions = {
	inResponseTo: string;
	acs: string;
	audience: string;
	nameId?: string;
	/** Seconds from now when the assertion stops being good (negative: already expired). Default 300. */
	validForSeconds?: number;
	signResponse?: boolean;
	signAssertion?: boolean;
	/** Another IdP's key and certificate to sign with. */
	signer?: LocalIdp;
};

const id = (): string => `_${randomBytes(16).toString('hex')}`;

function sign(xml: string, element: 'Response' | 'Assertion', signer: LocalIdp): string {
	const signature = new SignedXml({
		privateKey: signer.key,
		publicCert: signer.certificate,
		signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
		canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
	});
	const path = `//*[local-name(.)='${element}']`;
	signature.addReference({
		xpath: path,
		transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
		digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
	});
	signature.computeSignature(xml, {prefix: 'ds', location: {reference: `${path}/*[local-name(.)='Issuer']`, action: 'after'}});
	return signature.getSignedXml();
}

/** A base64 SAMLResponse as the HTTP-POST binding carries it. */
export function signedResponse(idp: LocalIdp, options: ResponseOptions): string {
	const now = new Date();
	const until = new Date(now.getTime() + (options.validForSeconds ?? 300) * 1000).toISOString();
	const before = new Date(now.getTime() - 60_000).toISOString();
	const issued = now.toISOString();
	const assertion =
		`<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${issued}">` +
		`<saml:Issuer>${idp.issuer}</saml:Issuer>` +
		`<saml:Subject><saml:NameID SPNameQualifier="${options.audience}" Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${options.nameId ?? 'alice'}</saml:NameID>` +
		`<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${until}" Recipient="${options.acs}" InResponseTo="${options.inResponseTo}"/></saml:SubjectConfirmation></saml:Subject>` +
		`<saml:Conditions NotBefore="${before}" NotOnOrAfter="${until}"><saml:AudienceRestriction><saml:Audience>${options.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
		`<saml:AuthnStatement AuthnInstant="${issued}" SessionIndex="${id()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
		`<saml:AttributeStatement><saml:Attribute Name="givenName"><saml:AttributeValue>Alice</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>` +
		`</saml:Assertion>`;
	const signer = options.signer ?? idp;
	const signedAssertion = options.signAssertion === false ? assertion : sign(assertion, 'Assertion', signer);
	const response =
		`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id()}" Version="2.0" IssueInstant="${issued}" Destination="${options.acs}" InResponseTo="${options.inResponseTo}">` +
		`<saml:Issuer>${idp.issuer}</saml:Issuer>` +
		`<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
		signedAssertion +
		`</samlp:Response>`;
	return Buffer.from(options.signResponse === false ? response : sign(response, 'Response', signer)).toString('base64');
}
