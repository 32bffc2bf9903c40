import type {AfterResponseHook, BeforeErrorHook, BeforeRedirectHook, BeforeRequestHook, Hooks, NormalizedOptions, Options, Response} from 'got';
import {debug, tracing} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {ownError} from '../http/own-error.js';
import {redactUrl} from '../site/redact.js';
import type {EarlierSlices, Step, StepOutcome} from './step.js';

/** The got hooks a handler contributes; usable in `got(url, {hooks})` and `got.extend({hooks})`. */
export type AuthHooks = Pick<Hooks, 'beforeRequest' | 'beforeRedirect' | 'afterResponse' | 'beforeError'>;

/**
What the pipeline keeps on a request, in got's `options.context` because that is what got carries
from a request to its redirect hops and retries. Replaced, never mutated: got copies `context`
shallowly per hop and per retry, so a mutation would leak into the copies sharing an object.
*/
type PipelineState = {
	/** A redirect led somewhere the handler's authentication must not go; later hops stay bare. */
	readonly untrusted?: boolean;
	/** Each step's slice, at the step's position in the pipeline (an array: no keyed look-ups per request). */
	readonly slices: readonly unknown[];
};

type HasContext = {context: Record<string, unknown>};

const EMPTY: PipelineState = {slices: []};

/**
Gives each request its own copy of the library's error, carrying that request's options: got's
retry logic reads `error.options` (without them got itself throws a TypeError), and a kept login
failure is handed to many requests, which must not share one mutable error object.
*/
function attach(error: unknown, options: Options | NormalizedOptions, label: string): unknown {
	return error instanceof TokenAuthenticationError ? error.forRequest(options, label) : error;
}

/**
The earlier steps' slices of the hook run in progress, looked up by step name (rarely: the client
certificate asks). One per pipeline, not one per request: `current` is set just before each step
is called, and a step reads it within that call, synchronously.
*/
class Earlier implements EarlierSlices {
	current: readonly unknown[] = [];

	constructor(readonly positions: ReadonlyMap<string, number>) {}

	slice<T>(step: string): T | undefined {
		const position = this.positions.get(step);
		return position === undefined ? undefined : (this.current[position] as T | undefined);
	}
}

/** The slices as a new array of `length` (a request's own copy: its state is replaced, never mutated). */
function copied(slices: readonly unknown[], length: number): unknown[] {
	const copy = new Array<unknown>(length);
	for (let index = 0; index < length; index++) {
		copy[index] = slices[index];
	}

	return copy;
}

export type PipelineSettings = {
	/** The handler's context key: two handlers on one request never mix their state. */
	key: string;
	/** The class name, for the trace. */
	label: string;
	/** Whether authentication may follow a redirect from one URL to the next (the redirect guard). */
	trusts: (from: URL, to: URL) => boolean;
};

/**
Turns a handler's steps into got hooks, and is the only code that reads or writes
`options.context`. Requests run the steps in their order; responses and errors in reverse order
(the step applied last reads the answer first). A hop is followed by the redirect guard: every
step takes off what it put on, and the guard decides whether the next hop is trusted at all.
*/
export function pipelineHooks(steps: readonly Step[], settings: PipelineSettings): AuthHooks {
	const {key, label} = settings;
	const count = steps.length;
	const read = (options: HasContext): PipelineState => (options.context[key] as PipelineState | undefined) ?? EMPTY;
	const write = (options: HasContext, state: PipelineState): void => {
		options.context[key] = state;
	};

	const earlier = new Earlier(new Map(steps.map((step, index) => [step.name, index])));
	// Only the steps that take part in a hook are run in it (by position): a step without the method keeps its slice.
	const requesters = steps.flatMap((step, index) => (step.beforeRequest ? [index] : []));
	const readers = steps.flatMap((step, index) => (step.afterResponse ? [index] : [])).reverse();

	/**
	Runs the requesters from `from` on, synchronously for as long as each answers synchronously (the
	hot path: a request with a fresh token, an authenticated connection, waits for nothing); from the
	first promise on, the rest follow it. Fills `slices` in place.
	*/
	const request = (options: NormalizedOptions, url: URL, slices: unknown[], from: number): Promise<void> | undefined => {
		for (let at = from; at < requesters.length; at++) {
			const index = requesters[at]!;
			earlier.current = slices;
			const answer = steps[index]!.beforeRequest!(options, url, slices[index], earlier);
			if (answer instanceof Promise) {
				return requestAfter(answer, options, url, slices, at);
			}

			slices[index] = answer;
		}

		return undefined;
	};

	// Outside the loop: a closure made in it would cost every iteration a context of its own.
	const requestAfter = async (answer: Promise<unknown>, options: NormalizedOptions, url: URL, slices: unknown[], at: number): Promise<void> => {
		slices[requesters[at]!] = await answer;
		return request(options, url, slices, at + 1);
	};

	/**
	got drops every afterResponse hook after one that calls retry without `preserveHooks` (a caller's
	hook placed before the handler's), for the rest of the request. Without ours its later attempts'
	answers — a handshake's 401, a 498 to refresh on — would reach the caller unread (measured: every
	request through such a hook to an NTLM site ended in a 401), and an NTLM attempt's connection
	would stay held. Ours goes back on, last.
	*/
	const keepAnswering = (options: NormalizedOptions): void => {
		const hooks = options.hooks.afterResponse;
		if (!hooks.includes(afterResponse)) {
			options.hooks.afterResponse = [...hooks, afterResponse];
		}
	};

	// Steps' promises are told by `instanceof` (steps answer with native promises): the hot path
	// makes no `then` look-up on every slice.
	const beforeRequest: BeforeRequestHook = options => {
		const state = read(options);
		if (state.untrusted) {
			return;
		}

		if (state !== EMPTY) {
			// A later attempt (a retry, a redirect hop): the first attempt of a request finds its hooks as they were given.
			keepAnswering(options);
		}

		const slices = copied(state.slices, count);
		let pending: Promise<void> | undefined;
		try {
			pending = request(options, options.url as URL, slices, 0);
		} catch (error: unknown) {
			throw attach(error, options, label);
		}

		if (pending) {
			return pending.then(
				() => {
					write(options, {slices});
				},
				(error: unknown) => {
					throw attach(error, options, label);
				},
			);
		}

		write(options, {slices});
	};

	const beforeRedirect: BeforeRedirectHook = (options, response) => {
		const state = read(options);
		if (!state.untrusted && !state.slices.some(slice => slice !== undefined)) {
			return;
		}

		const slices = new Array<unknown>(count);
		for (let index = 0; index < count; index++) {
			const slice = state.slices[index];
			const step = steps[index]!;
			slices[index] = slice !== undefined && step.takeOff ? step.takeOff(options, slice, response) : undefined;
		}

		const trusted = !state.untrusted && settings.trusts(new URL(response.url), options.url as URL);
		write(options, {slices, untrusted: !trusted});
		if (tracing()) {
			debug('%s: redirect to %s, authentication %s', label, redactUrl(options.url as URL), trusted ? 'follows' : 'withheld');
		}
	};

	/**
	A step's outcome recorded: the slices as they now stand — `slices` (a copy already made), a new
	copy when the step changed its own or asks for a retry, or undefined while nothing changed.
	*/
	const taken = (outcome: StepOutcome<unknown>, index: number, state: PipelineState, slices: unknown[] | undefined): unknown[] | undefined => {
		if (slices === undefined && outcome.state === state.slices[index] && !('retry' in outcome)) {
			return undefined;
		}

		const next = slices ?? copied(state.slices, count);
		next[index] = outcome.state;
		return next;
	};

	/**
	Runs the readers from `from` on, as `request` runs the requesters. A step's new slice matters only
	if a step asks for the request to be sent again (that ends the response's turn): the slices are
	copied only then, or when a step changed its own.
	*/
	const respond = (response: Response, retry: Parameters<AfterResponseHook>[1], state: PipelineState, changed: unknown[] | undefined, from: number): Response | Promise<Response> => {
		let slices = changed;
		for (let at = from; at < readers.length; at++) {
			const index = readers[at]!;
			const answer = steps[index]!.afterResponse!(response, state.slices[index]);
			if (answer === undefined) {
				continue;
			}

			if (answer instanceof Promise) {
				return respondAfter(answer, response, retry, state, slices, at);
			}

			slices = taken(answer, index, state, slices);
			if ('retry' in answer) {
				// A step wants the request sent again: that ends this response's turn.
				return retry({...answer.retry, context: {[key]: {slices: slices ?? state.slices} satisfies PipelineState}, preserveHooks: true});
			}
		}

		return response;
	};

	const respondAfter = async (
		answer: Promise<StepOutcome<unknown> | undefined>,
		response: Response,
		retry: Parameters<AfterResponseHook>[1],
		state: PipelineState,
		changed: unknown[] | undefined,
		at: number,
	): Promise<Response> => {
		const outcome = await answer;
		if (outcome === undefined) {
			return respond(response, retry, state, changed, at + 1);
		}

		const slices = taken(outcome, readers[at]!, state, changed);
		return 'retry' in outcome
			? retry({...outcome.retry, context: {[key]: {slices: slices ?? state.slices} satisfies PipelineState}, preserveHooks: true})
			: respond(response, retry, state, slices, at + 1);
	};

	const afterResponse: AfterResponseHook = (response: Response, retry) => {
		const {options} = response.request;
		const state = read(options);
		if (state.untrusted) {
			return response;
		}

		let result: Response | Promise<Response>;
		try {
			result = respond(response, retry, state, undefined, 0);
		} catch (error: unknown) {
			throw attach(error, options, label);
		}

		return result instanceof Promise
			? result.catch((error: unknown) => {
					throw attach(error, options, label);
				})
			: result;
	};

	const beforeError: BeforeErrorHook = received => {
		let error = ownError(received);
		const {options} = error;
		const state = options?.context ? read(options) : EMPTY;
		for (let index = count - 1; index >= 0; index--) {
			error = steps[index]!.beforeError?.(error, state.slices[index]) ?? error;
		}

		// A step's own error (a refused client certificate) is told by the handler, as every other.
		return error instanceof TokenAuthenticationError ? error.spokenBy(label) : error;
	};

	return {beforeRequest: [beforeRequest], beforeRedirect: [beforeRedirect], afterResponse: [afterResponse], beforeError: [beforeError]};
}
