/** RFC 6750 §3 / RFC 9728 §5.1 Bearer challenges. Values are quoted-strings; quotes and backslashes escaped. */
function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

export function bearerChallenge(params: {
  resourceMetadata: string;
  error?: 'invalid_token' | 'insufficient_scope' | 'invalid_request';
  description?: string;
  scope?: readonly string[];
}): string {
  const parts = [`resource_metadata=${quote(params.resourceMetadata)}`];
  if (params.error) parts.push(`error=${quote(params.error)}`);
  if (params.description) parts.push(`error_description=${quote(params.description)}`);
  // MCP SEP-2207: offline_access never appears in a challenge.
  const scope = params.scope?.filter((s) => s !== 'offline_access');
  if (scope && scope.length > 0) parts.push(`scope=${quote(scope.join(' '))}`);
  return `Bearer ${parts.join(', ')}`;
}

/** The token of an `Authorization: Bearer <b64token>` header (RFC 6750 §2.1), or undefined. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization?.trim() ?? '')?.[1];
}
