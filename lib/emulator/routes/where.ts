import {restError, type Reply} from '../responses.js';

/** A row of the emulator's layer, by field name as ArcGIS spells them (case does not matter in a where clause). */
export type Row = Record<string, string | number>;

/*
A `where` clause, as far as the emulator understands one: `1=1`, `FIELD = value` (a number or a
'quoted' string), `FIELD LIKE 'pattern'` (% and _), joined by AND. Anything else is refused with
ArcGIS's own 400, never ignored: a script whose clause the emulator cannot judge must not pass here
and return other rows in production.
*/
const TERM = /^\s*(?:(1\s*=\s*1)|(\w+)\s*(=|LIKE)\s*(-?\d+(?:\.\d+)?|'(?:[^']|'')*')\s*)$/i;

function likePattern(pattern: string): RegExp {
	const escaped = pattern
		.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
		.replaceAll('%', '.*')
		.replaceAll('_', '.');
	return new RegExp(`^${escaped}$`, 'is');
}

/** The rows a where clause selects, or ArcGIS's 400 for a clause the emulator does not understand (or none). */
export function applyWhere(where: string | undefined, rows: readonly Row[]): Row[] | Reply {
	const refused = restError(400, 'Cannot perform query. Invalid query parameters.', [`'where' parameter is invalid`]);
	if (where === undefined || where.trim() === '') {
		return refused;
	}

	const tests: Array<(row: Row) => boolean> = [];
	for (const term of where.split(/\s+AND\s+/i)) {
		const match = TERM.exec(term);
		if (!match) {
			return refused;
		}

		if (match[1] !== undefined) {
			continue;
		}

		const field = match[2]!.toUpperCase();
		const literal = match[4]!;
		const value = literal.startsWith("'") ? literal.slice(1, -1).replaceAll("''", "'") : Number(literal);
		if (!rows.some(row => field in row)) {
			return restError(400, 'Cannot perform query. Invalid query parameters.', [`'${match[2]}' is not a field of this layer`]);
		}

		tests.push(match[3]!.toUpperCase() === 'LIKE' ? row => likePattern(String(value)).test(String(row[field])) : row => row[field] === value);
	}

	return rows.filter(row => tests.every(test => test(row)));
}
