/** What an identity provider told us about a person, after verification. */
export interface Identity {
  /** identity provider id from the configuration (`dev` for the development login) */
  idp: string;
  subject: string;
  email: string;
  emailVerified: boolean;
  name: string;
  groups: string[];
  /** Google Workspace hosted domain (`hd` claim), when the IdP sent one */
  hostedDomain?: string;
}

/** Tokens an IdP issued at login, kept (sealed) when the provider is configured with `keepTokens`. */
export interface UpstreamTokens {
  accessToken: string;
  refreshToken?: string;
  /** epoch ms; undefined when the IdP did not say */
  expiresAt?: number;
  scope?: string;
}

/** Why a login failed: a short code shown on the error page and written to the audit log. */
export type LoginFailureReason =
  | 'state_invalid' // missing, expired, replayed or from another browser
  | 'idp_denied' // the IdP answered the authorization with an error (e.g. the user cancelled)
  | 'idp_unreachable' // discovery, token or userinfo endpoint down or timed out
  | 'idp_error' // the IdP answered with something we could not use
  | 'id_token_invalid' // signature, algorithm, issuer, audience, expiry, nonce
  | 'email_missing'
  | 'email_unverified'
  | 'hosted_domain'
  | 'not_admitted'
  | 'blocked'; // an admin blocked the user

export class LoginError extends Error {
  override name = 'LoginError';
  constructor(
    readonly reason: LoginFailureReason,
    /** for logs only: never shown */
    readonly hint: string,
  ) {
    super(`${reason}: ${hint}`);
  }
}
