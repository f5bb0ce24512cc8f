import { CREDENTIAL_PREFIXES } from '../crypto/credential-prefixes';

/**
 * Log scrubbing. Any field whose name suggests a credential is replaced, at any depth, and
 * bearer-looking substrings inside strings are masked too, so a secret cannot reach a log line
 * through a header, a query parameter or a body echoed into an error.
 */
const SENSITIVE_NAME =
  /token|secret|password|passwd|code|assertion|key|authorization|cookie|credential|verifier/i;
const BEARER_IN_TEXT = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
/** Gatehouse's own credentials by prefix (see crypto/credential-prefixes): gat_, grt_, gac_, gth_, gcs_. */
const GATEHOUSE_TOKEN_IN_TEXT = new RegExp(`\\b(${CREDENTIAL_PREFIXES.join('|')})[A-Za-z0-9_-]+`, 'g');

export const REDACTED = '[redacted]';

export function isSensitiveName(name: string): boolean {
  return SENSITIVE_NAME.test(name);
}

/**
 * `secrets`: configured values with no recognisable shape (the service token) masked wherever they appear.
 * Values shorter than 16 characters are ignored: masking them would mangle ordinary text.
 */
export function scrubText(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(BEARER_IN_TEXT, `$1 ${REDACTED}`).replace(GATEHOUSE_TOKEN_IN_TEXT, `$1${REDACTED}`);
  for (const secret of secrets)
    if (secret.length >= 16 && out.includes(secret)) out = out.split(secret).join(REDACTED);
  return out;
}

export function scrub(value: unknown, depth = 0, secrets: readonly string[] = []): unknown {
  if (depth > 8) return '[too deep]';
  if (typeof value === 'string') return scrubText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1, secrets));
  if (value instanceof Error) {
    return {
      type: value.name,
      message: scrubText(value.message, secrets),
      stack: value.stack && scrubText(value.stack, secrets),
    };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [name, item] of Object.entries(value)) {
      out[name] = isSensitiveName(name) ? REDACTED : scrub(item, depth + 1, secrets);
    }
    return out;
  }
  return value;
}
