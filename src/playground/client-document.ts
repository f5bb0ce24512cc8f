/**
 * The playground is a first-party OAuth client of Gatehouse's own MCP endpoints that identifies itself
 * with a Client ID Metadata Document, served by Gatehouse at a well-known URL: that URL is its client_id.
 */
export interface PlaygroundClient {
  clientId: string;
  redirectUri: string;
  /** the CIMD document, as served and as the authorization server validates it */
  document: Record<string, unknown>;
}

export const PLAYGROUND_DOCUMENT_PATH = '/.well-known/oauth-client/playground.json';
export const PLAYGROUND_CALLBACK_PATH = '/playground/callback';

export function playgroundClient(issuer: string): PlaygroundClient {
  const base = issuer.replace(/\/$/, '');
  const clientId = `${base}${PLAYGROUND_DOCUMENT_PATH}`;
  const redirectUri = `${base}${PLAYGROUND_CALLBACK_PATH}`;
  return {
    clientId,
    redirectUri,
    document: {
      client_id: clientId,
      client_name: 'Gatehouse Playground',
      // CIMD requires https for client_uri; a development issuer on loopback http has none to offer
      ...(issuer.startsWith('https://') ? { client_uri: `${base}/` } : {}),
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      software_id: 'gatehouse-playground',
    },
  };
}
