/**
 * The prefixes of every credential Gatehouse issues: access (`gat_`) and refresh (`grt_`) tokens,
 * authorization codes (`gac_`), personal access tokens (`gth_`) and DCR client secrets (`gcs_`). Logs
 * mask them wherever they appear, and a BYOK endpoint refuses them: they must never leave Gatehouse.
 */
export const CREDENTIAL_PREFIXES = ['gat_', 'grt_', 'gac_', 'gth_', 'gcs_'] as const;

export function hasCredentialPrefix(value: string): boolean {
  return CREDENTIAL_PREFIXES.some((prefix) => value.startsWith(prefix));
}
