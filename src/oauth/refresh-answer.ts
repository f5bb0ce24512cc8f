import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { fromBase64Url, toBase64Url, utf8 } from '../crypto';
import type { TokenResponse } from './issue';

/**
 * The answer a refresh gave, kept for the grace so that the same refresh token sent again (a client that
 * refreshes from two requests at once, or lost the answer) gets the same tokens instead of a fork. Sealed
 * with AES-256-GCM under a key derived from the refresh token that was presented: the database holds
 * only that token's hash, so neither it nor the server's keys can open the answer.
 */
interface KeptAnswer {
  response: TokenResponse;
  /** when the access token in it expires (epoch ms): `expires_in` is recomputed when it is given again */
  accessExpiresAt: number;
}

/**
 * HMAC-SHA-256 keyed with the token: HKDF-Expand with the token as the pseudorandom key, which RFC 5869
 * §3.3 allows when the input is already uniformly random (256 random bits here).
 */
function answerKey(refreshToken: string): Buffer {
  return createHmac('sha256', utf8.encode(refreshToken)).update('gatehouse refresh retry answer').digest();
}

export function sealRefreshAnswer(refreshToken: string, answer: KeptAnswer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', answerKey(refreshToken), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(answer), 'utf8'), cipher.final()]);
  return toBase64Url(Buffer.concat([iv, cipher.getAuthTag(), body]));
}

/** The kept answer with `expires_in` as of `at`; undefined if it does not open with this token. */
export function openRefreshAnswer(
  refreshToken: string,
  sealed: string,
  at: number,
): TokenResponse | undefined {
  try {
    const bytes = fromBase64Url(sealed);
    const decipher = createDecipheriv('aes-256-gcm', answerKey(refreshToken), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const text = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    const kept = JSON.parse(text) as KeptAnswer;
    return {
      ...kept.response,
      expires_in: Math.max(0, Math.floor((kept.accessExpiresAt - at) / 1000)),
    };
  } catch {
    return undefined;
  }
}
