import type {AfterResponseHook, BeforeErrorHook, BeforeRedirectHook, BeforeRequestHook, Hooks, NormalizedOptions, Options, Response} from 'got';
import {debug, tracing} from '../debug.js';
import {TokenAuthenticationError} from '../errors.js';
import {ownError} from '../http/own-error.js';
import {redactUrl} from '../site/redact.js';
import type {EarlierSlices, Step} from './step.js';

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
	readonly slices: Readonly<Record<string, unknown>>;
};

type HasContext = {context: Record<string, unknown>};

const EMPTY: PipelineState = {slices: {}};

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
	return typeof (value as {then?: unknown} | undefined)?.then === 'function';
}

/**
Gives each request its own copy of the library's error, carrying that request's options: got's
retry logic reads `error.options` (without them got itself throws a TypeError), and a kept login
failure is handed to many requests, which must not share one mutable error object.
*/
function attach(error: unknown, options: Options | NormalizedOptions, label: string): unknown {
	return error instanceof TokenAuthenticationError ? error.forRequest(options, label) : error;
}

/** Runs a hook's work, attaching whatever it throws or rejects with to the request (see attach). */
function attached<R>(options: Options | NormalizedOptions, label: string, run: () => R | Promise<R>): R | Promise<R> {
	let result: R | Promise<R>;
	try {
		result = run();
	} catch (error: unknown) {
		throw attach(error, options, label);
	}

	return isPromise(result)
		? result.catch((error: unknown) => {
				throw attach(error, options, label);
			})
		: result;
}

/**
Runs the steps' hook methods in turn, synchronously for as long as each answers synchronously (the
hot path: a request with a fresh token waits for nothing); from the first promise on, the rest
follow it. `take` records a step's answer and may end the turn early with a result; `end` gives the
result when every step has answered.
*/
function inTurn<A, R>(steps: readonly Step[], call: (step: Step) => A | Promise<A>, take: (step: Step, answer: A) => R | undefined, end: () => R, from = 0): R | Promise<R> {
	for (let index = from; index < steps.length; index++) {
		const step = steps[index]!;
		const answer = call(step);
		if (isPromise(answer)) {
			return answer.then(resolved => take(step, resolved) ?? inTurn(steps, call, take, end, index + 1));
		}

		const early = take(step, answer);
		if (early !== undefined) {
			return early;
		}
	}

	return end();
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
	const read = (options: HasContext): PipelineState => (options.context[key] as PipelineState | undefined) ?? EMPTY;
	const write = (options: HasContext, state: PipelineState): void => {
		options.context[key] = state;
	};

	const reversed = [...steps].reverse();
	// Only the steps that take part in a hook are run in it: a step without the method keeps its slice.
	const requesters = steps.filter(step => step.beforeRequest !== undefined);
	const readers = reversed.filter(step => step.afterResponse !== undefined);

	const beforeRequest: BeforeRequestHook = options => {
		const state = read(options);
		if (state.untrusted) {
			return;
		}

		const slices: Record<string, unknown> = {...state.slices};
		const earlier: EarlierSlices = {slice: <T>(name: string) => slices[name] as T | undefined};
		const url = options.url as URL;
		return attached(options, label, () =>
			inTurn(
				requesters,
				step => step.beforeRequest!(options, url, slices[step.name], earlier),
				(step, slice) => {
					slices[step.name] = slice;
					return undefined;
				},
				() => {
					write(options, {slices});
				},
			),
		);
	};

	const beforeRedirect: BeforeRedirectHook = (options, response) => {
		const state = read(options);
		const held = steps.filter(step => state.slices[step.name] !== undefined);
		if (held.length === 0 && !state.untrusted) {
			return;
		}

		const slices: Record<string, unknown> = {};
		for (const step of held) {
			slices[step.name] = step.takeOff ? step.takeOff(options, state.slices[step.name], response) : undefined;
		}

		const trusted = !state.untrusted && settings.trusts(new URL(response.url), options.url as URL);
		write(options, {slices, untrusted: !trusted});
		if (tracing()) {
			debug('%s: redirect to %s, authentication %s', label, redactUrl(options.url as URL), trusted ? 'follows' : 'withheld');
		}
	};

	const afterResponse: AfterResponseHook = (response: Response, retry) => {
		const {options} = response.request;
		const state = read(options);
		if (state.untrusted) {
			return response;
		}

		const slices: Record<string, unknown> = {...state.slices};
		return attached(options, label, () =>
			inTurn(
				readers,
				step => step.afterResponse!(response, slices[step.name]),
				(step, outcome) => {
					slices[step.name] = outcome.state;
					// A step wants the request sent again: that ends this response's turn.
					return 'retry' in outcome ? retry({...outcome.retry, context: {[key]: {slices} satisfies PipelineState}, preserveHooks: true}) : undefined;
				},
				() => response,
			),
		);
	};

	const beforeError: BeforeErrorHook = received => {
		let error = ownError(received);
		const {options} = error;
		const state = options?.context ? read(options) : EMPTY;
		for (const step of reversed) {
			error = step.beforeError?.(error, state.slices[step.name]) ?? error;
		}

		// A step's own error (a refused client certificate) is told by the handler, as every other.
		return error instanceof TokenAuthenticationError ? error.spokenBy(label) : error;
	};

	return {beforeRequest: [beforeRequest], beforeRedirect: [beforeRedirect], afterResponse: [afterResponse], beforeError: [beforeError]};
}
