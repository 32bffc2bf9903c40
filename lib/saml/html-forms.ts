/** A field of an HTML form: its name, value and input type (`hidden`, `password`, `text`…). */
export type FormField = {
	/** The field's name. */
	name: string;
	/** Its value as the page gives it (entities decoded). */
	value: string;
	/** Its input type in lower case: `hidden`, `password`, `text`, `textarea`… */
	type: string;
};

/** An HTML form as a browser would submit it: where, how, and its named fields with their values. */
export type HtmlForm = {
	/** Where it submits to (resolved against the page's URL). */
	action: URL;
	/** How. */
	method: 'GET' | 'POST';
	/** Its named fields, in page order. */
	fields: FormField[];
};

type ParserModule = typeof import('htmlparser2');
let parserModule: Promise<ParserModule> | undefined;

/**
The forms of a page, read with htmlparser2 (loaded on first use: only enterprise logins need it).
Identity providers' pages are not regular: attributes come in any order and quoting, values carry
entities (`&#x2b;` in a base64 SAMLResponse), and a page may hold decoy forms — a real HTML parser,
not a regular expression, reads them as a browser does. Actions resolve against the page's URL;
a form without one submits to the page itself.
*/
export async function readForms(html: string, pageUrl: URL): Promise<HtmlForm[]> {
	parserModule ??= import('htmlparser2');
	const {Parser} = await parserModule;
	const forms: HtmlForm[] = [];
	let current: HtmlForm | undefined;
	let textarea: FormField | undefined;
	const parser = new Parser(
		{
			onopentag(name, attributes) {
				if (name === 'form') {
					current = {action: resolve(attributes.action, pageUrl), method: attributes.method?.toUpperCase() === 'GET' ? 'GET' : 'POST', fields: []};
					forms.push(current);
				} else if (current && name === 'input' && attributes.name) {
					const type = (attributes.type ?? 'text').toLowerCase();
					// A browser sends checkboxes and radios only when checked, and never buttons or files.
					if (!['submit', 'button', 'image', 'reset', 'file'].includes(type) && (!['checkbox', 'radio'].includes(type) || 'checked' in attributes)) {
						current.fields.push({name: attributes.name, value: attributes.value ?? '', type});
					}
				} else if (current && name === 'textarea' && attributes.name) {
					textarea = {name: attributes.name, value: '', type: 'textarea'};
					current.fields.push(textarea);
				}
			},
			ontext(text) {
				if (textarea) {
					textarea.value += text;
				}
			},
			onclosetag(name) {
				if (name === 'textarea') {
					textarea = undefined;
				} else if (name === 'form') {
					current = undefined;
				}
			},
		},
		{decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true},
	);
	parser.write(html);
	parser.end();
	return forms;
}

function resolve(action: string | undefined, pageUrl: URL): URL {
	try {
		return new URL(action === undefined || action.trim() === '' ? pageUrl.href : action.trim(), pageUrl);
	} catch {
		return new URL(pageUrl.href);
	}
}

/** The value of a form's field, if it has one of that name. */
export function fieldValue(form: HtmlForm, name: string): string | undefined {
	return form.fields.find(field => field.name === name)?.value;
}

/** The form that carries a SAML message (`SAMLResponse`, or `SAMLRequest` for the POST binding), chosen by that field and never by the form's name. */
export function samlForm(forms: readonly HtmlForm[], field: 'SAMLResponse' | 'SAMLRequest'): HtmlForm | undefined {
	return forms.find(form => form.fields.some(item => item.name === field && item.value.trim() !== ''));
}

/** The login form of a page: the one with a password field. */
export function loginForm(forms: readonly HtmlForm[]): HtmlForm | undefined {
	return forms.find(form => form.fields.some(field => field.type === 'password'));
}

/**
A login form filled in: the password into its password field, the username into the text field
that names a user (`username`, `UserName`, `j_username`, `login`, `email`…), else its first text field.
*/
export function fillLogin(form: HtmlForm, username: string, password: string): Record<string, string> {
	const texts = form.fields.filter(field => ['text', 'email'].includes(field.type));
	const userField = texts.find(field => /user|login|email|account|uid/i.test(field.name)) ?? texts[0];
	const values: Record<string, string> = {};
	for (const field of form.fields) {
		values[field.name] = field.type === 'password' ? password : field === userField ? username : field.value;
	}

	return values;
}
