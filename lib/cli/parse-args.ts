import {parseArgs, type ParseArgsConfig} from 'node:util';
import {UsageError} from './exit-codes.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<T extends Options> = ReturnType<typeof parseArgs<{args: string[]; options: T; allowPositionals: true; strict: true}>>;

/** Edit distance, for "did you mean": flags are short, so the plain table is enough. */
function distance(a: string, b: string): number {
	let previous = Array.from({length: b.length + 1}, (_, index) => index);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		for (let j = 1; j <= b.length; j++) {
			row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
		}

		previous = row;
	}

	return previous[b.length]!;
}

/** The known flag nearest to a mistyped one, if it is near enough to be what was meant. */
export function nearestFlag(typed: string, options: Record<string, unknown>): string | undefined {
	const name = typed.replace(/^-+/, '').replace(/=.*$/, '');
	let best: {flag: string; cost: number} | undefined;
	for (const known of Object.keys(options)) {
		const cost = distance(name, known);
		if (cost <= Math.max(2, Math.floor(known.length / 3)) && (!best || cost < best.cost)) {
			best = {flag: `--${known}`, cost};
		}
	}

	return best?.flag;
}

/** What Node's parser refused, in the CLI's words (Node's own text is about positionals after `--`). */
function usageErrorFor(error: unknown, options: Options): UsageError {
	const {code, message} = error as {code?: string; message?: string};
	const typed = /'(-[^']*)'/.exec(message ?? '')?.[1];
	if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && typed !== undefined) {
		if (/^(?:-p|--pass?(?:w\w*)?)(?:=.*)?$/.test(typed)) {
			return new UsageError('passwords never come from the command line (shell history and the process list keep it): use --password-stdin, ARCGIS_PASSWORD, or the prompt.');
		}

		const near = nearestFlag(typed, options);
		return new UsageError(`unknown option ${typed.replace(/=.*$/, '')}${near ? ` (did you mean ${near}?)` : ''}.`);
	}

	if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && message) {
		// "Option '-u, --user <value>' argument missing"
		const flag = /'(?:-\w, )?(--[\w-]+)/.exec(message)?.[1];
		if (flag !== undefined) {
			return new UsageError(/does not take an argument/.test(message) ? `${flag} takes no value.` : `${flag} needs a value.`);
		}
	}

	return new UsageError(message ?? String(error));
}

/** Parses a command's arguments; any mistake is a UsageError (exit 2). */
export function parse<T extends Options>(args: string[], options: T): Parsed<T> {
	try {
		return parseArgs({args, options, allowPositionals: true, strict: true});
	} catch (error: unknown) {
		throw usageErrorFor(error, options);
	}
}
