import type {NormalizedOptions, OptionsInit, PlainResponse, RequestError, Response} from 'got';

/**
What a step answers after a response: go on with its new slice of the request state, or have the
request sent again with these changes (its one retry: a refresh after a 498, a web-tier handshake).
*/
export type StepOutcome<S> = {readonly state: S | undefined} | {readonly state: S | undefined; readonly retry: OptionsInit};

/** The slices the steps before this one left on the request in the same hook run, by step name. */
export type EarlierSlices = {slice<T>(step: string): T | undefined};

/**
One per-request concern of a handler — token placement, the web tier, the client certificate —
with its own slice of the request state (kept for it by the pipeline in got's `context`) and its
own hook methods. A step never touches `options.context`: it is handed its slice and returns the
next one. Slices hold no secret (a token is named by its generation).

A method that has nothing to wait for returns its slice directly, not a promise: the pipeline then
runs the request without an await (the hot path of a request with a fresh token).
*/
export interface Step<S = unknown> {
	/** The key of its slice, unique within a pipeline. */
	readonly name: string;

	/** Puts the step's authentication on a request (also on each redirect hop and retry). */
	beforeRequest?(options: NormalizedOptions, url: URL, slice: S | undefined, earlier: EarlierSlices): S | undefined | Promise<S | undefined>;

	/**
	A redirect hop is about to be followed: take off what the step put on the request, and return the
	slice that outlives the hop (e.g. "already retried"). The redirect guard decides whether the next
	hop is trusted; `beforeRequest` then puts back what belongs there. `response` is the redirect
	itself (it answered what the step put on: e.g. an NTLM handshake's last leg).
	*/
	takeOff?(options: NormalizedOptions, slice: S, response: PlainResponse): S | undefined;

	/**
	Reads a response (never one of an untrusted hop). Undefined: the slice stands as it is and
	nothing is asked (the usual answer, which the pipeline takes without allocating anything).
	*/
	afterResponse?(response: Response, slice: S | undefined): StepOutcome<S> | undefined | Promise<StepOutcome<S> | undefined>;

	/** A request failed: a replacement error, or undefined to leave it (the step may still amend it). */
	beforeError?(error: RequestError, slice: S | undefined): RequestError | undefined;
}
