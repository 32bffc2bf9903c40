/**
ArcGIS Server, Portal for ArcGIS and ArcGIS Online authentication for got: the handlers,
`createSession` and `TokenAuthenticationError`.

@packageDocumentation
@module got-arcgis-auth
*/
export {
	ArcGISServerTokenAuth,
	ArcGISPortalTokenAuth,
	ArcGISServerAuth,
	ArcGISPortalAuth,
	ArcGISTokenAuth,
	ArcGISAppAuth,
	ArcGISPortalOAuthAuth,
	ArcGISPortalSAMLAuth,
	OOB_REDIRECT_URI,
	type TokenAuthOptions,
	type PortalOAuthOptions,
	type SignInOptions,
	type PortalSAMLOptions,
	type IdpPage,
	type IdpRequest,
	type IdpStep,
	type HtmlForm,
	type FormField,
	type ArcGISAuthBase,
	type ArcGISPasswordAuth,
} from './handlers/index.js';
export type {AuthHooks} from './pipeline/hooks.js';
export type {Site} from './site/site.js';
export {createSession, type SessionOptions} from './session.js';
export {TokenAuthenticationError, type TokenAuthenticationErrorCode, type ArcGISErrorObject} from './errors.js';
export {WARNING_NAME} from './warnings.js';
export type {AuthOptions, WebTierOptions, OAuthOptions, TokenPlacement, TokenClient, MutualAuth, TlsOptions, CertificateMaterial} from './options.js';
export type {TokenStore, StoreTiming} from './store/token-store.js';
