import type {OptionsInit} from 'got';
import type {Lease} from './connection-pool.js';
import type {KerberosClient, MutualAuth} from './kerberos.js';

/** What one request carries of the web tier (its slice of the request state, see steps/web-tier-step). */
export type WebState =
	| {
			readonly kind: 'kerberos';
			/** The context of the token this attempt carries (none on an authenticated connection). */
			readonly client?: KerberosClient;
			/** The request's hold on a pooled connection, when the site may keep authentication per connection. */
			readonly lease?: Lease;
			/** How many connections the request's caller allows (read from its agent on the first pick). */
			readonly bound?: number;
			/** Sent without a token to learn whether the site keeps authentication per connection. */
			readonly probe?: boolean;
			/** Refused without a token: sent again on the same connection with one. */
			readonly resend?: boolean;
	  }
	| {
			readonly kind: 'ntlm';
			/** The request's hold on its pooled connection, from the pick until its response or error. */
			readonly lease: Lease;
			/** How many connections the request's caller allows (read from its agent on the first pick). */
			readonly bound: number;
			/** `negotiate`: Type 1 sent; `authenticate`: Type 3 sent; `authenticated`: a proven connection. */
			readonly stage: 'negotiate' | 'authenticate' | 'authenticated';
			/** Set by a handshake retry: its headers and agent stay as they are for that attempt. */
			readonly pinned?: boolean;
			/** The pinned attempt went out: another attempt of it is got's retry after a network error. */
			readonly sent?: boolean;
			/** This request runs the first login; others wait for it (one attempt, lockout-safe). */
			readonly owner?: boolean;
	  };

export type WebTierSettings = {
	label: string;
	username: () => string | undefined;
	password: () => string | undefined;
	spn: string | undefined;
	mutualAuth: MutualAuth;
	workstation: string | undefined;
};

/** What `afterResponse` asks of the handler: send the request again with these changes, or go on. */
export type WebOutcome = {retry: OptionsInit; web: WebState | undefined} | {web: WebState | undefined};
