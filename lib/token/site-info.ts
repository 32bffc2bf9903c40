import {TokenAuthenticationError} from '../errors.js';
import {describeArcGISError, readArcGISError} from './arcgis-error.js';
import {parseJsonBody} from './json-body.js';
import {readChallenges, type Challenge} from '../web-tier/www-authenticate.js';
import type {ArcGISClient, CallContext, RawAnswer} from './arcgis-client.js';

/** What a site's info says of its security; `owningSystemUrl` names the portal of a federated or hosted server. */
export type SiteSecurity = ({tokenBased: true; tokenServicesUrl: URL} | {tokenBased: false}) & {owningSystemUrl?: string};

/**
Reads a server's `rest/info` or a portal's `sharing/rest/info` (the same `authInfo` shape).
`tokenServicesUrl` is used as given: it may end in a slash without `generateToken`, or point at a
portal or at www.arcgis.com for hosted servers; `defaultTokenUrl` stands in where it is missing.
*/
export function parseSiteInfo(answer: Pick<RawAnswer, 'statusCode' | 'body'>, infoUrl: URL, defaultTokenUrl: URL): SiteSecurity {
	const where = `the site information at ${infoUrl.origin}${infoUrl.pathname}`;
	const fail = (reason: string, arcgisError?: ReturnType<typeof readArcGISError>) => new TokenAuthenticationError('DISCOVERY_FAILED', `${where} ${reason}`, {url: infoUrl, arcgisError});

	const parsed = parseJsonBody(answer.body);
	if (!parsed.ok) {
		throw fail(`answered HTTP ${answer.statusCode} with ${parsed.reason}. Is this an ArcGIS site?`);
	}

	const arcgisError = readArcGISError(parsed.value);
	if (arcgisError) {
		throw fail(`answered an error: ${describeArcGISError(arcgisError)}`, arcgisError);
	}

	if (answer.statusCode < 200 || answer.statusCode >= 300) {
		throw fail(`answered HTTP ${answer.statusCode}.`);
	}

	const authInfo = (parsed.value as {authInfo?: unknown} | null)?.authInfo;
	if (typeof authInfo !== 'object' || authInfo === null) {
		throw fail('has no authInfo: cannot tell whether the site uses tokens.');
	}

	const owning = (parsed.value as {owningSystemUrl?: unknown}).owningSystemUrl;
	const owner = typeof owning === 'string' && owning.trim() !== '' ? {owningSystemUrl: owning.trim()} : {};
	const {isTokenBasedSecurity, tokenServicesUrl} = authInfo as {isTokenBasedSecurity?: unknown; tokenServicesUrl?: unknown};
	if (isTokenBasedSecurity !== true) {
		return {tokenBased: false, ...owner};
	}

	if (typeof tokenServicesUrl !== 'string' || tokenServicesUrl.trim() === '') {
		// Older versions omitted the field; their token endpoint sits where it always did.
		return {tokenBased: true, tokenServicesUrl: defaultTokenUrl, ...owner};
	}

	try {
		return {tokenBased: true, tokenServicesUrl: new URL(tokenServicesUrl.trim(), infoUrl), ...owner};
	} catch {
		throw fail('advertises a tokenServicesUrl that is not a URL.');
	}
}

/** What a site's info endpoint answered an anonymous GET: its security, or a 401 with the challenges offered. */
export type SiteInfoAnswer = {readonly unauthorized: Challenge[]} | {readonly security: SiteSecurity};

/**
The one probe of a site's info endpoint (`rest/info`, `sharing/rest/info`), for the site rules and
for federation alike: a GET (the original's HEAD probe failed on some sites), a 401 read for the
challenges it offers (IIS sends Negotiate and NTLM as two headers), anything else parsed.
*/
export async function readSiteInfo(client: ArcGISClient, infoUrl: URL, defaultTokenUrl: URL, call: CallContext): Promise<SiteInfoAnswer> {
	const answer = await client.getJson(infoUrl, call);
	if (answer.statusCode === 401) {
		return {unauthorized: readChallenges(answer)};
	}

	return {security: parseSiteInfo(answer, infoUrl, defaultTokenUrl)};
}
