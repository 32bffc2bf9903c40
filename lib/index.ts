export {ArcGISServerTokenAuth} from './handlers/server-token-auth.js';
export {ArcGISPortalTokenAuth} from './handlers/portal-token-auth.js';
export type {AuthHooks, Site} from './handlers/arcgis-auth-base.js';
export {createSession, type SessionOptions} from './session.js';
export {TokenAuthenticationError, type TokenAuthenticationErrorCode, type ArcGISErrorObject} from './errors.js';
export {WARNING_NAME} from './warnings.js';
export type {AuthOptions, TokenPlacement, TokenClient} from './options.js';
