import {debuglog} from 'node:util';

/**
Step-by-step tracing, on with `NODE_DEBUG=got-arcgis-auth`. Node's own mechanism needs no
dependency. Callers pass step names and URLs already redacted: never a password or a token.
*/
export const debug = debuglog('got-arcgis-auth');
