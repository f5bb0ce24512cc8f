import { sha256 } from '../crypto';

/** RFC 7636 §4.1: 43-128 characters of the unreserved set. A challenge (S256 output) has the same alphabet. */
const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;

export type PkceCheck = { ok: true; challenge: string } | { ok: false; reason: string };

/** Validates the authorization request's PKCE parameters. Only S256 (OAuth 2.1 §4.1.1; MCP: S256 MUST). */
export function checkCodeChallenge(challenge: string | undefined, method: string | undefined): PkceCheck {
  if (!challenge) return { ok: false, reason: 'code_challenge is required (PKCE, OAuth 2.1 §4.1.1)' };
  // RFC 7636 §4.3: an omitted method means "plain", which we refuse like an explicit one.
  if (method !== 'S256')
    return { ok: false, reason: 'code_challenge_method must be S256; plain is not supported' };
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
    return { ok: false, reason: 'code_challenge must be a base64url SHA-256 digest (43 characters)' };
  }
  return { ok: true, challenge };
}

/** RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) == code_challenge. */
export async function verifyCodeVerifier(verifier: string | undefined, challenge: string): Promise<boolean> {
  if (!verifier || !PKCE_VALUE.test(verifier)) return false;
  return (await sha256(verifier)) === challenge;
}
