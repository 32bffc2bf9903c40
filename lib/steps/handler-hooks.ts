import type {ResolvedOptions} from '../options.js';
import {pipelineHooks, type AuthHooks} from '../pipeline/hooks.js';
import {isSameOriginOrUpgrade} from '../site/origin-policy.js';
import type {SiteBinding} from '../site/site-binding.js';
import type {TokenRegistry} from '../token/token-registry.js';
import type {TokenRouter} from '../token/token-router.js';
import type {WebTier} from '../web-tier/web-tier.js';
import {ClientCertificateStep, NoCertificateStep} from './client-certificate-step.js';
import {TokenStep} from './token-step.js';
import {WebTierStep} from './web-tier-step.js';

export type HandlerStepParts = {
	label: string;
	/** The handler's context key: two handlers on one request never mix their state. */
	key: string;
	binding: SiteBinding;
	router: TokenRouter;
	registry: TokenRegistry;
	webTier: WebTier | undefined;
	settings: ResolvedOptions;
	secrets: () => ReadonlyArray<string | undefined>;
};

/**
A handler's got hooks: its steps, in the order a request meets them — the token (placement, the
refresh on 498/499), the web tier (Kerberos/NTLM; general handlers only), the client certificate
(PKI options; without them, only the words for a site that asks for one) — and the redirect guard: authentication follows a hop only to the same origin or its https upgrade.
*/
export function handlerHooks(parts: HandlerStepParts): AuthHooks {
	const {label, key, binding, router, registry, webTier, settings, secrets} = parts;
	const steps = [
		new TokenStep({label, binding, router, registry, settings, secrets}),
		...(webTier ? [new WebTierStep(webTier, binding)] : []),
		// Without TLS material nothing goes on a request: a step that only tells a site's demand for a certificate.
		Object.keys(settings.tls).length > 0 ? new ClientCertificateStep(settings.tls, binding) : new NoCertificateStep(binding),
	];
	return pipelineHooks(steps, {key, label, trusts: isSameOriginOrUpgrade});
}
