import {ArcGISPortalOAuthAuth, OOB_REDIRECT_URI} from '../../handlers/portal-oauth-auth.js';
import {openInBrowser, readCodeFromStdin} from '../../oauth/open-browser.js';
import {resolveOptions} from '../../options.js';
import {parse} from '../common-options.js';
import {EXIT, UsageError} from '../exit-codes.js';
import type {CliIo} from '../io.js';
import {samlSignIn, type FinishedSignIn} from '../sign-ins/saml-sign-in.js';
import {SignInStore} from '../sign-ins/sign-in-store.js';

export const LOGIN_HELP = `Usage: arcgis-auth login <portal> --client-id ID [options]

Signs you in to a portal with OAuth 2.0 (authorization code with PKCE) and keeps the sign-in, so
that token and request work for the portal and its federated servers without a password. The
refresh token goes to the OS keychain when one is available, else to a file only you can read
($XDG_CONFIG_HOME/got-arcgis-auth/sign-ins.json, else ~/.config/got-arcgis-auth/); it is never printed.

Options:
      --client-id ID      the app's client id (or ARCGIS_CLIENT_ID), registered in the portal
      --redirect-uri URI  ${OOB_REDIRECT_URI} (default: paste the code the portal shows), or a
                          loopback URL registered for the app, such as http://127.0.0.1:8085/callback,
                          where arcgis-auth waits for the browser
      --expiration MIN    the sign-in's lifetime in minutes (default: the portal's, two weeks)
      --no-browser        print the address only; do not try to open a browser
      --saml              an enterprise login with no browser, through the portal's identity
                          provider: its Windows authentication with your Kerberos ticket, or with
                          -u NTLM or its login form (the password: --password-stdin,
                          ARCGIS_PASSWORD or a prompt; never kept). A Kerberos sign-in is made
                          again by itself when it ends.
  -u, --user NAME         --saml: the identity provider's user (DOMAIN\\user for NTLM)
      --password-stdin    --saml: read that user's password from standard input
      --idp-user-agent UA --saml: the User-Agent for the identity provider (AD FS lists the
                          browsers it offers Windows authentication)
  -k, --insecure          do not verify TLS certificates
      --allow-http        allow plain http to a non-loopback portal
  -h, --help              this help
`;

const LOGIN_OPTIONS = {
	'client-id': {type: 'string'},
	'redirect-uri': {type: 'string'},
	expiration: {type: 'string'},
	'no-browser': {type: 'boolean', default: false},
	saml: {type: 'boolean', default: false},
	user: {type: 'string', short: 'u'},
	'password-stdin': {type: 'boolean', default: false},
	'idp-user-agent': {type: 'string'},
	insecure: {type: 'boolean', short: 'k', default: false},
	'allow-http': {type: 'boolean', default: false},
	help: {type: 'boolean', short: 'h', default: false},
} as const;

/** The one portal argument, as the portal root the library uses (a usage error when it is not a portal URL). */
export function portalArgument(positionals: string[], command: string): string {
	if (positionals.length !== 1) {
		throw new UsageError(`${command} takes exactly one portal URL, such as https://www.arcgis.com or https://gis.example.com/portal.`);
	}

	return resolveOptions({portal: positionals[0]!}).portal!;
}

function minutes(value: string | undefined): number | undefined {
	if (value === undefined) {
		return undefined;
	}

	const parsed = Number(value);
	if (!Number.isInteger(parsed) || (parsed < 1 && parsed !== -1)) {
		throw new UsageError('--expiration must be a whole number of minutes (or -1 for the longest the portal allows).');
	}

	return parsed;
}

export async function loginCommand(args: string[], io: CliIo): Promise<number> {
	const {values, positionals} = parse(args, LOGIN_OPTIONS);
	if (values.help) {
		io.stdout.write(LOGIN_HELP);
		return EXIT.ok;
	}

	const portal = portalArgument(positionals, 'login');
	const clientId = values['client-id'] ?? io.env.ARCGIS_CLIENT_ID;
	if (clientId === undefined || clientId.trim() === '') {
		throw new UsageError('login needs --client-id (or ARCGIS_CLIENT_ID): the client id of an app registered in the portal.');
	}

	const signInExpiration = minutes(values.expiration);
	if (!values.saml && (values.user !== undefined || values['password-stdin'] || values['idp-user-agent'] !== undefined)) {
		throw new UsageError('-u, --password-stdin and --idp-user-agent go with --saml: an OAuth sign-in takes the password in the browser, never here.');
	}

	const signedIn = values.saml
		? await samlSignIn(
				{
					portal,
					clientId,
					user: values.user,
					passwordStdin: values['password-stdin'],
					redirectUri: values['redirect-uri'],
					expiration: signInExpiration,
					idpUserAgent: values['idp-user-agent'],
					verify: !values.insecure,
					allowHttp: values['allow-http'],
				},
				io,
			)
		: await browserSignIn(portal, clientId, values, signInExpiration, io);
	const store = new SignInStore(io.env, io.keychain);
	const expires = signedIn.refreshTokenExpires;
	const saved = await store.save(
		{
			portal,
			clientId,
			redirectUri: values['redirect-uri'] ?? OOB_REDIRECT_URI,
			username: signedIn.username,
			refreshTokenExpires: expires?.toISOString(),
			...(values.saml && values.user === undefined ? {relogin: 'saml-kerberos' as const} : {}),
		},
		signedIn.refreshToken,
	);
	if (saved.note) {
		io.stderr.write(`arcgis-auth: ${saved.note}: the refresh token is kept in a file only you can read.\n`);
	}

	io.stdout.write(`Signed in to ${portal} as ${signedIn.username ?? 'an unnamed user'}${expires ? ` until ${expires.toISOString()}` : ''}.\nThe sign-in is kept in ${saved.where}.\n`);
	return EXIT.ok;
}

/** The person signs in in a browser (PKCE): the address printed (and a browser tried), the code pasted or received on 127.0.0.1. */
async function browserSignIn(
	portal: string,
	clientId: string,
	values: {'redirect-uri'?: string | undefined; 'no-browser': boolean; insecure: boolean; 'allow-http': boolean},
	signInExpiration: number | undefined,
	io: CliIo,
): Promise<FinishedSignIn> {
	// Ctrl-C while waiting for the browser closes the listener and ends the command.
	const abort = new AbortController();
	void io.stopped.then(() => abort.abort());
	const auth = await ArcGISPortalOAuthAuth.signIn(clientId, {
		portal,
		verify: !values.insecure,
		allowHttp: values['allow-http'],
		...(values['redirect-uri'] === undefined ? {} : {redirectUri: values['redirect-uri']}),
		...(signInExpiration === undefined ? {} : {signInExpiration}),
		signal: abort.signal,
		open: url => {
			if (values['no-browser']) {
				io.stderr.write(`Open this address in a browser to sign in:\n\n  ${url}\n\n`);
			} else {
				openInBrowser(url, io.stderr);
			}
		},
		readCode: async () => readCodeFromStdin(io.stdin, io.stderr),
	});
	return {refreshToken: auth.refreshToken, refreshTokenExpires: auth.refreshTokenExpires, username: auth.username};
}
