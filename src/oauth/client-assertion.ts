import { createLocalJWKSet, decodeJwt, errors, type JWTPayload, jwtVerify } from 'jose';
import { sha256 } from '../crypto';
import type { EphemeralStore } from '../store';
import { type ClientKeySource, ClientKeysUnavailable } from './client-keys';
import { CLIENT_ASSERTION_ALGORITHMS } from './client-metadata';
import type { ResolvedClient } from './clients';
import { OAuthError } from './errors';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** How far ahead an assertion's `exp` may be: a few minutes, so a leaked one is short-lived. */
export const MAX_ASSERTION_LIFETIME_S = 300;
const CLOCK_TOLERANCE_S = 30;

export interface ClientAssertionDeps {
  keys: ClientKeySource;
  /** where `jti`s are kept until they expire (single use, atomic) */
  replay: EphemeralStore;
  /** the values `aud` may hold: the token endpoint URL and the issuer (RFC 7523 §3, RFC 7521 §5.2) */
  audiences: readonly string[];
  now: () => number;
}

/** The client an assertion names (`sub`, else `iss`), read before verification only to find its keys. */
export function assertedClientId(assertion: string): string | undefined {
  try {
    const claims = decodeJwt(assertion);
    const id = claims.sub ?? claims.iss;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a `private_key_jwt` client assertion (RFC 7523 §3, OpenID Connect Core §9): signed with an
 * asymmetric algorithm (the client's registered one when it named one) by one of the client's keys,
 * `iss` = `sub` = client_id, `aud` this server, `exp` present and at most a few minutes ahead, `jti`
 * never seen before. Every failure is `invalid_client`.
 */
export async function verifyClientAssertion(
  assertion: string,
  client: ResolvedClient,
  deps: ClientAssertionDeps,
): Promise<void> {
  const refuse = (why: string): never => {
    throw new OAuthError('invalid_client', `the client assertion is not valid: ${why}`, 401);
  };
  const { metadata } = client;
  const algorithms = metadata.token_endpoint_auth_signing_alg
    ? [metadata.token_endpoint_auth_signing_alg]
    : [...CLIENT_ASSERTION_ALGORITHMS];
  const verify = async (fresh: boolean) => {
    const jwks =
      metadata.jwks ?? (metadata.jwks_uri ? await deps.keys.fetch(metadata.jwks_uri, { fresh }) : undefined);
    if (!jwks) return refuse('the client has no keys');
    return jwtVerify(assertion, createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0]), {
      algorithms,
      issuer: client.clientId,
      subject: client.clientId,
      audience: [...deps.audiences],
      currentDate: new Date(deps.now()),
      clockTolerance: CLOCK_TOLERANCE_S,
      requiredClaims: ['exp', 'jti'],
    });
  };
  let claims: JWTPayload;
  try {
    try {
      ({ payload: claims } = await verify(false));
    } catch (error) {
      // A key rotation: the kid is new to the cached set; fetch the set again once.
      if (!(error instanceof errors.JWKSNoMatchingKey) || !metadata.jwks_uri) throw error;
      ({ payload: claims } = await verify(true));
    }
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    if (error instanceof ClientKeysUnavailable)
      return refuse(`the client keys could not be fetched (${error.message})`);
    if (error instanceof errors.JOSEError) return refuse(describe(error));
    return refuse('malformed');
  }
  const nowS = Math.floor(deps.now() / 1000);
  const exp = claims.exp as number;
  if (exp > nowS + MAX_ASSERTION_LIFETIME_S + CLOCK_TOLERANCE_S)
    return refuse(`exp is more than ${MAX_ASSERTION_LIFETIME_S} s ahead`);
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256)
    return refuse('jti is missing or too long');
  // Single use (RFC 7523 §3 item 7): the first use counts 1; the record lives until the assertion expires.
  const ttlMs = (exp - nowS + CLOCK_TOLERANCE_S) * 1000;
  const { count } = await deps.replay.increment(`jti:${await sha256(`${client.clientId}\n${jti}`)}`, ttlMs);
  if (count > 1) return refuse('this assertion (jti) was already used');
}

function describe(error: InstanceType<typeof errors.JOSEError>): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the ${error.claim} claim is wrong`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its signing algorithm is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the client matches it';
  if (error instanceof errors.JWKSMultipleMatchingKeys)
    return 'several keys of the client match it; send a kid';
  return 'malformed';
}
