import {debuglog, format} from 'node:util';

const nodeDebug = debuglog('got-arcgis-auth');
let sink: ((line: string) => void) | undefined;

/**
Step-by-step tracing, on with `NODE_DEBUG=got-arcgis-auth` (Node's own mechanism: no dependency).
Callers pass step names and redacted URLs: never a password or a token.
*/
export function debug(template: string, ...args: unknown[]): void {
	if (sink) {
		sink(format(template, ...args));
	} else if (nodeDebug.enabled) {
		nodeDebug(template, ...args);
	}
}

/** @internal Sends the trace somewhere else (the CLI's `-v`); undefined restores NODE_DEBUG. */
export function setDebugSink(write: ((line: string) => void) | undefined): void {
	sink = write;
}

/**
Whether the trace is on. Hot paths ask first, so that a trace that is off costs no string: the
labels and redacted URLs of a debug line are built only when someone reads them.
*/
export function tracing(): boolean {
	return sink !== undefined || nodeDebug.enabled;
}
