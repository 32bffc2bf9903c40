/**
Parses a JSON body that an ArcGIS endpoint answered, or says in words why it could not. ArcGIS
answers HTML for a wrong path or a web-tier login page, and proxies answer HTML error pages, so
"not JSON" is an expected answer, not an exception.
*/
export function parseJsonBody(text: string): {ok: true; value: unknown} | {ok: false; reason: string} {
	const trimmed = text.trimStart();
	if (trimmed === '') {
		return {ok: false, reason: 'an empty body'};
	}

	if (trimmed.startsWith('<')) {
		return {ok: false, reason: 'HTML instead of JSON'};
	}

	try {
		return {ok: true, value: JSON.parse(trimmed) as unknown};
	} catch {
		return {ok: false, reason: 'a body that is not valid JSON'};
	}
}
