// The public handler classes, one export line each (the package's index re-exports them).
export {ArcGISServerTokenAuth} from './server-token-auth.js';
export {ArcGISPortalTokenAuth} from './portal-token-auth.js';
export {ArcGISServerAuth} from './server-auth.js';
export {ArcGISPortalAuth} from './portal-auth.js';
export {ArcGISTokenAuth, type TokenAuthOptions} from './token-auth.js';
export {ArcGISAppAuth} from './app-auth.js';
export {ArcGISPortalOAuthAuth, OOB_REDIRECT_URI, type PortalOAuthOptions, type SignInOptions} from './portal-oauth-auth.js';
export type {ArcGISAuthBase} from './arcgis-auth-base.js';
export type {ArcGISPasswordAuth} from './password-auth.js';
export {ArcGISPortalSAMLAuth, type IdpPage, type IdpRequest, type IdpStep, type PortalSAMLOptions, type HtmlForm, type FormField} from './portal-saml-auth.js';
