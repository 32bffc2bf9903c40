import {ArcGISPortalSAMLAuth} from '../../handlers/portal-saml-auth.js';
import type {CliIo} from '../io.js';
import {obtainPassword} from '../password.js';

/** What a finished sign-in leaves to keep, whichever way it was made. */
export type FinishedSignIn = {refreshToken: string; refreshTokenExpires: Date | undefined; username: string | undefined};

export type SamlSignInArguments = {
	portal: string;
	clientId: string;
	/** For NTLM or the identity provider's login form; without it, the Kerberos ticket. */
	user: string | undefined;
	passwordStdin: boolean;
	redirectUri: string | undefined;
	expiration: number | undefined;
	idpUserAgent: string | undefined;
	verify: boolean;
	allowHttp: boolean;
};

/**
`login --saml`: an enterprise login with no browser (ArcGISPortalSAMLAuth) — the Kerberos ticket at
the identity provider, or with `-u` NTLM or its login form (the password from --password-stdin,
ARCGIS_PASSWORD or a prompt, never from the command line, and never kept).
*/
export async function samlSignIn(args: SamlSignInArguments, io: CliIo): Promise<FinishedSignIn> {
	const password = args.user === undefined ? undefined : await obtainPassword({passwordStdin: args.passwordStdin, env: io.env, stdin: io.stdin, stderr: io.stderr}, args.user);
	const auth = new ArcGISPortalSAMLAuth(args.clientId, {
		portal: args.portal,
		verify: args.verify,
		allowHttp: args.allowHttp,
		...(args.user === undefined ? {} : {username: args.user, password: password!}),
		...(args.redirectUri === undefined ? {} : {redirectUri: args.redirectUri}),
		...(args.expiration === undefined ? {} : {expiration: args.expiration}),
		...(args.idpUserAgent === undefined ? {} : {idpUserAgent: args.idpUserAgent}),
	});
	await auth.getToken(`${args.portal}/sharing/rest`);
	return {refreshToken: auth.refreshToken!, refreshTokenExpires: auth.refreshTokenExpires, username: auth.username};
}
