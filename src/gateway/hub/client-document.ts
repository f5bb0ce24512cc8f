/**
 * Gatehouse as an OAuth client of upstream MCP servers identifies itself with a Client ID Metadata
 * Document it serves itself: that URL is its client_id wherever the upstream supports CIMD.
 */
export const HUB_DOCUMENT_PATH = '/.well-known/oauth-client/gatehouse.json';
export const HUB_CALLBACK_PATH = '/hub/callback';

export function hubClient(issuer: string, name: string) {
  const base = issuer.replace(/\/$/, '');
  const clientId = `${base}${HUB_DOCUMENT_PATH}`;
  const redirectUri = `${base}${HUB_CALLBACK_PATH}`;
  return {
    clientId,
    redirectUri,
    document: {
      client_id: clientId,
      client_name: name,
      // CIMD requires https for client_uri; a development issuer on loopback http has none to offer
      ...(issuer.startsWith('https://') ? { client_uri: `${base}/` } : {}),
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      software_id: 'gatehouse-hub',
    },
  };
}
