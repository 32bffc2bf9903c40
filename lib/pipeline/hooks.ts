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

	const beforeRequest: BeforeRequestHook = options => {
		const state = read(options);
		if (state.untrusted) {
			return;
		}

		const slices: Record<string, unknown> = {...state.slices};
		const earlier: EarlierSlices = {slice: <T>(name: string) => slices[name] as T | undefined};
		const url = options.url as URL;
		// Synchronous until a step has to wait (a login, a discovery): then the rest follows the promise.
		const run = (from: number): void | Promise<void> => {
			for (let index = from; index < steps.length; index++) {
				const step = steps[index]!;
				if (!step.beforeRequest) {
					continue;
				}

				let result: unknown;
				try {
					result = step.beforeRequest(options, url, slices[step.name], earlier);
				} catch (error: unknown) {
					throw attach(error, options, label);
				}

				if (isPromise(result)) {
					return result.then(
						slice => {
							slices[step.name] = slice;
							return run(index + 1);
						},
						(error: unknown) => {
							throw attach(error, options, label);
						},
					);
				}

				slices[step.name] = result;
			}

			write(options, {slices});
		};

		return run(0);
	};

	const beforeRedirect: BeforeRedirectHook = (options, response) => {
		const state = read(options);
		const held = steps.filter(step => state.slices[step.name] !== undefined);
		if (held.length === 0 && !state.untrusted) {
			return;
		}

		const slices: Record<string, unknown> = {};
		for (const step of held) {
			slices[step.name] = step.takeOff ? step.takeOff(options, state.slices[step.name]) : undefined;
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
		const next = (outcome: StepOutcome<unknown>, name: string): Promise<Response> | undefined => {
			slices[name] = outcome.state;
			if ('retry' in outcome) {
				return retry({...outcome.retry, context: {[key]: {slices} satisfies PipelineState}, preserveHooks: true});
			}

			return undefined;
		};

		const run = (from: number): Response | Promise<Response> => {
			for (let index = from; index < reversed.length; index++) {
				const step = reversed[index]!;
				if (!step.afterResponse) {
					continue;
				}

				let outcome: StepOutcome<unknown> | Promise<StepOutcome<unknown>>;
				try {
					outcome = step.afterResponse(response, slices[step.name]);
				} catch (error: unknown) {
					throw attach(error, options, label);
				}

				if (isPromise(outcome)) {
					return outcome.then(
						resolved => next(resolved, step.name) ?? run(index + 1),
						(error: unknown) => {
							throw attach(error, options, label);
						},
					);
				}

				const retried = next(outcome, step.name);
				if (retried) {
					return retried;
				}
			}

			return response;
		};

		return run(0);
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
