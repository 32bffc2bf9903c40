/**
When to fetch the next token: `refreshMargin` before expiry as the Python original does, but never
sooner than half the token's lifetime — with a 60-second token the original's 120-second margin
meant one generateToken call per request.
*/
export function computeRefreshAt(obtainedAt: number, lifetimeMs: number, refreshMarginMs: number): number {
	return obtainedAt + Math.max(lifetimeMs - refreshMarginMs, lifetimeMs / 2);
}
