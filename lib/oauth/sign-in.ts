import {debug} from '../debug.js';
import {invalidOption, TokenAuthenticationError} from '../errors.js';
import {resolveOptions, type OAuthOptions} from '../options.js';
import {assertSecureTransport, isLoopbackHost} from '../site/transport.js';
import {ArcGISClient} from '../token/arcgis-client.js';
import {oauthUrl, readOAuthAnswer, type OAuthAnswer} from '../token/oauth-token.js';
import {LoopbackReceiver} from './loopback-receiver.js';
import {openInBrowser, readCodeFromStdin} from './open-browser.js';
import {signInSecrets} from './pkce.js';

/** The out-of-band redirect URI every ArcGIS app accepts: the portal shows the code to paste. */
export const OOB_REDIRECT_URI = 'urn:ietf:wg:oauth:2.0:oob';

/** How a person signs in: where the portal sends them back, how the authorize URL is shown, how a pasted code is read. */
export type SignInOptions = OAuthOptions & {
	/** `urn:ietf:wg:oauth:2.0:oob` (default: the portal shows a code to paste) or a loopback `http://127.0.0.1[:port]/…` / `http://localhost[:port]/…` URL registered for the app. */
	redirectUri?: string;
	/** Shows or opens the authorize URL. Default: print it on standard error and try the system browser. */
	open?: (url: string) => void | Promise<void>;
	/** Out-of-band only: reads the code the person pasted. Default: one line of standard input. */
	readCode?: () => string | Promise<string>;
	/** The refresh token's lifetime to ask for, in minutes (`-1`: the longest the portal allows). Default: the portal's (two weeks). */
	signInExpiration?: number;
	/** How long to wait for the person, in milliseconds. Default 300000 (5 minutes). */
	timeout?: number;
	/** Aborts the wait. */
	signal?: AbortSignal;
};

/** What a finished sign-in hands to the handler. */
export type SignedIn = {answer: OAuthAnswer; redirectUri: string; portal: string};

const DEFAULT_TIMEOUT_MS = 300_000;

function loopbackTarget(redirectUri: string): {url: URL; port: number} | undefined {
	if (redirectUri === OOB_REDIRECT_URI) {
		return undefined;
	}

	let url: URL;
	try {
		url = new URL(redirectUri);
	} catch {
		url = new URL('invalid:');
	}

	if (url.protocol !== 'http:' || !isLoopbackHost(url.hostname) || url.search !== '' || url.hash !== '') {
		throw invalidOption(
			`option redirectUri must be '${OOB_REDIRECT_URI}' or a loopback address such as http://127.0.0.1:8085/callback (registered for the app), where the library listens for the browser.`,
		);
	}

	return {url, port: url.port === '' ? 0 : Number(url.port)};
}

/**
The authorization code flow with PKCE (S256) and a checked `state`: the authorize URL is shown, the
person signs in at the portal, the code comes back (pasted, or to the loopback listener), and is
exchanged at `oauth2/token` with the exact redirect URI and the verifier.
*/
export async function signIn(clientId: string, options: SignInOptions = {}): Promise<SignedIn> {
	const {redirectUri: askedRedirect, open, readCode, signInExpiration, timeout, signal, ...rest} = options;
	const settings = resolveOptions(rest);
	const portal = settings.portal ?? 'https://www.arcgis.com';
	const tokenUrl = oauthUrl(portal, 'token');
	// Before anything is shown: a code and a verifier must never travel over plain http.
	assertSecureTransport(tokenUrl, 'credentials', {allowHttp: settings.allowHttp});
	const target = loopbackTarget(askedRedirect ?? OOB_REDIRECT_URI);
	const secrets = signInSecrets();
	const receiver = target ? await LoopbackReceiver.start(target.port, target.url.pathname, secrets.state) : undefined;
	try {
		const redirectUri = target && receiver ? `http://${target.url.hostname}:${receiver.port}${target.url.pathname}` : OOB_REDIRECT_URI;
		const authorize = oauthUrl(portal, 'authorize');
		authorize.search = new URLSearchParams({
			client_id: clientId,
			response_type: 'code',
			redirect_uri: redirectUri,
			state: secrets.state,
			code_challenge: secrets.challenge,
			code_challenge_method: 'S256',
			...(signInExpiration === undefined ? {} : {expiration: String(signInExpiration)}),
		}).toString();
		debug('signIn: %s for %s, redirect %s', `${authorize.origin}${authorize.pathname}`, clientId, receiver ? `to 127.0.0.1:${receiver.port}` : 'out of band');
		await (open ?? ((url: string) => openInBrowser(url)))(authorize.href);

		let code: string;
		if (receiver) {
			const callback = await receiver.wait(timeout ?? DEFAULT_TIMEOUT_MS, signal);
			if ('error' in callback) {
				throw new TokenAuthenticationError('OAUTH_ERROR', `The portal did not sign you in: ${callback.description ?? callback.error}.`, {url: authorize});
			}

			code = callback.code;
		} else {
			code = (await (readCode ?? (() => readCodeFromStdin()))()).trim();
			if (code === '') {
				throw new TokenAuthenticationError('OAUTH_ERROR', 'No code was pasted: sign in at the address shown and paste the code the portal displays.');
			}
		}

		debug('signIn: exchanging the code at %s', `${tokenUrl.origin}${tokenUrl.pathname}`);
		const client = new ArcGISClient(settings.verify, settings.tls, settings.callTimeoutMs);
		const response = await client.postForm(
			tokenUrl,
			{grant_type: 'authorization_code', client_id: clientId, code, redirect_uri: redirectUri, code_verifier: secrets.verifier, f: 'json'},
			{...(signal ? {signal} : {})},
		);
		const answer = readOAuthAnswer(response, {url: tokenUrl, refreshMarginMs: settings.refreshMarginMs, now: Date.now(), secrets: [code, secrets.verifier]});
		if (answer.refreshToken === undefined) {
			throw new TokenAuthenticationError('OAUTH_ERROR', `${tokenUrl.origin}${tokenUrl.pathname} signed you in but sent no refresh token: the session could not be continued.`, {url: tokenUrl});
		}

		return {answer, redirectUri, portal};
	} finally {
		await receiver?.close();
	}
}
