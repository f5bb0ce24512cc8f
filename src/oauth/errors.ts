/** The OAuth error codes Gatehouse puts on the wire; the only place they are spelled. */
export type OAuthErrorCode =
  | 'invalid_request' // RFC 6749 §4.1.2.1, §5.2
  | 'invalid_client' // RFC 6749 §5.2
  | 'invalid_grant' // RFC 6749 §5.2
  | 'unauthorized_client' // RFC 6749 §5.2
  | 'unsupported_grant_type' // RFC 6749 §5.2
  | 'unsupported_response_type' // RFC 6749 §4.1.2.1
  | 'invalid_scope' // RFC 6749 §5.2
  | 'access_denied' // RFC 6749 §4.1.2.1
  | 'server_error' // RFC 6749 §4.1.2.1
  | 'invalid_target' // RFC 8707 §2
  | 'invalid_redirect_uri' // RFC 7591 §3.2.2
  | 'invalid_client_metadata' // RFC 7591 §3.2.2
  | 'invalid_token' // RFC 6750 §3.1
  | 'insufficient_scope'; // RFC 6750 §3.1

/**
 * One error type for the authorization server. `description` is safe to show to the client;
 * `hint` is for logs only and never leaves the process.
 */
export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status: 400 | 401 | 403 | 500 = defaultStatus(code),
    readonly hint?: string,
  ) {
    super(`${code}: ${description}`);
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

function defaultStatus(code: OAuthErrorCode): 400 | 401 | 403 | 500 {
  switch (code) {
    case 'invalid_client':
    case 'invalid_token':
      return 401;
    case 'insufficient_scope':
    case 'access_denied':
      return 403;
    case 'server_error':
      return 500;
    default:
      return 400;
  }
}
