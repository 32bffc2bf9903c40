import got from 'got';

/** Where the portal sent the person after they signed in: the code to paste, or the redirect to follow. */
export type SignInOutcome = {code: string; location?: string} | {error: string};

/**
Plays the person at the browser on the emulator's sign-in page, over plain HTTP: opens the
authorize URL, reads `oauth_state` from the page's `oAuthInfo` literal, posts the page's login form,
and reports the code from the "OAuth2 Approval" page (out of band) or the redirect's `Location`
(which it does not follow: the caller, playing the browser, decides). For the demo and for tests;
a real browser does the same on the same page.
*/
export async function signInAtEmulator(authorizeUrl: string, username = 'demo', password = 'demo1234'): Promise<SignInOutcome> {
	const http = got.extend({throwHttpErrors: false, retry: {limit: 0}, followRedirect: false});
	const page = await http(authorizeUrl);
	const literal = /var oAuthInfo = (\{.*?\});/.exec(page.body)?.[1];
	const action = /<form[^>]*action="([^"]+)"/.exec(page.body)?.[1];
	if (literal === undefined || action === undefined) {
		return {error: `the authorize page answered HTTP ${page.statusCode} without a sign-in form`};
	}

	const {oauth_state: state} = JSON.parse(literal) as {oauth_state?: string};
	const answer = await http.post(new URL(action, authorizeUrl), {form: {oauth_state: state ?? '', username, password}});
	if (answer.statusCode === 302 && answer.headers.location) {
		const location = new URL(answer.headers.location, authorizeUrl);
		const code = location.searchParams.get('code');
		return code === null ? {error: location.searchParams.get('error_description') ?? location.searchParams.get('error') ?? 'redirected without a code'} : {code, location: location.href};
	}

	const code = /id="code"[^>]*value="([^"]+)"/.exec(answer.body)?.[1];
	return code === undefined ? {error: `the sign-in answered HTTP ${answer.statusCode} without a code`} : {code};
}

/**
A person at the browser for `ArcGISPortalOAuthAuth.signIn` out of band, against the emulator: `open`
signs in on the page, `readCode` pastes the code it showed.
*/
export function personAtEmulator(username = 'demo', password = 'demo1234'): {open: (authorizeUrl: string) => Promise<void>; readCode: () => string} {
	let code = '';
	return {
		open: async authorizeUrl => {
			const outcome = await signInAtEmulator(authorizeUrl, username, password);
			code = 'code' in outcome ? outcome.code : '';
		},
		readCode: () => code,
	};
}
