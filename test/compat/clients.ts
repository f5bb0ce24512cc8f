/**
 * What the popular MCP clients really send, taken from their published client metadata documents,
 * registration bodies and authorization requests as they appear in public bug reports of other servers
 * (the source of each is noted). Hosts are rewritten to a loopback https server for CIMD documents and
 * key sets; redirect URIs are kept as the clients send them (the test reads the redirect, it never
 * follows it to a real host).
 */

export type Registration =
  | { kind: 'cimd'; path: string; document: Record<string, unknown> }
  | { kind: 'dcr'; body: Record<string, unknown> };

export interface ClientProfile {
  name: string;
  registration: Registration;
  /** the redirect_uri of the authorization request (an ephemeral port where the client picks one) */
  redirectUri: string;
  /** authorization parameters beyond the PKCE, state, client_id and redirect_uri every client sends */
  authorize: { scope?: string; prompt?: string; sendResource: boolean };
  /** how the client authenticates at the token endpoint */
  tokenAuth: 'none' | 'private_key_jwt';
  /** the `scope` it sends with a refresh, if any */
  refreshScope?: string;
  /** what Gatehouse should grant */
  expectedScope: string;
}

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export const CLIENTS: ClientProfile[] = [
  {
    // claude.ai's document (https://claude.ai/oauth/mcp-oauth-client-metadata, quoted in rauthy#1644,
    // keycloak#50362, better-auth#10900); it asks for offline_access alone with prompt=consent.
    name: 'claude.ai',
    registration: {
      kind: 'cimd',
      path: '/oauth/mcp-oauth-client-metadata',
      document: {
        client_name: 'Claude',
        client_uri: 'https://claude.ai',
        redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
        grant_types: ['authorization_code', 'refresh_token', JWT_BEARER_GRANT],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'https://claude.ai/api/mcp/auth_callback',
    authorize: { scope: 'offline_access', prompt: 'consent', sendResource: true },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
  {
    // Claude Desktop connects through the same connector client, on claude.com's callback.
    name: 'Claude Desktop',
    registration: {
      kind: 'cimd',
      path: '/oauth/desktop/mcp-oauth-client-metadata',
      document: {
        client_name: 'Claude',
        client_uri: 'https://claude.ai',
        redirect_uris: [
          'https://claude.ai/api/mcp/auth_callback',
          'https://claude.com/api/mcp/auth_callback',
        ],
        grant_types: ['authorization_code', 'refresh_token', JWT_BEARER_GRANT],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'https://claude.com/api/mcp/auth_callback',
    authorize: { scope: 'offline_access', prompt: 'consent', sendResource: true },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
  {
    // Claude Code's document lists portless loopback URIs and then uses a port (claude-code#42301).
    name: 'Claude Code',
    registration: {
      kind: 'cimd',
      path: '/oauth/claude-code-client-metadata',
      document: {
        client_name: 'Claude Code',
        redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'http://localhost:54212/callback',
    authorize: { scope: 'mcp:tools', sendResource: true },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
  {
    // ChatGPT's document (altinity-mcp#118, engram#1633): private_key_jwt with a jwks_uri.
    name: 'ChatGPT (private_key_jwt)',
    registration: {
      kind: 'cimd',
      path: '/oauth/kDmjx77UnKOM/client.json',
      document: {
        client_name: 'ChatGPT',
        client_uri: 'https://chatgpt.com/',
        redirect_uris: ['https://chatgpt.com/connector/oauth/kDmjx77UnKOM'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_signing_alg: 'RS256',
        jwks_uri: '{JWKS_URI}',
      },
    },
    redirectUri: 'https://chatgpt.com/connector/oauth/kDmjx77UnKOM',
    authorize: { scope: 'mcp:tools', sendResource: true },
    tokenAuth: 'private_key_jwt',
    expectedScope: 'mcp:tools',
  },
  {
    // The variant that also lists token_endpoint_auth_methods_supported (gamedev.pl#641).
    name: 'ChatGPT (both methods listed)',
    registration: {
      kind: 'cimd',
      path: '/oauth/AbCdEf012345/client.json',
      document: {
        client_name: 'ChatGPT',
        client_uri: 'https://chatgpt.com/',
        redirect_uris: ['https://chatgpt.com/connector/oauth/AbCdEf012345'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'private_key_jwt',
        token_endpoint_auth_methods_supported: ['none', 'private_key_jwt'],
        token_endpoint_auth_signing_alg: 'RS256',
        jwks_uri: '{JWKS_URI}',
      },
    },
    redirectUri: 'https://chatgpt.com/connector/oauth/AbCdEf012345',
    authorize: { sendResource: true },
    tokenAuth: 'private_key_jwt',
    expectedScope: 'mcp:tools',
  },
  {
    // Cursor registers its app link by DCR (agent-connector-for-wp#111, worldmonitor#8305).
    name: 'Cursor',
    registration: {
      kind: 'dcr',
      body: {
        client_name: 'Cursor',
        redirect_uris: ['cursor://anysphere.cursor-retrieval/oauth/user-gatehouse/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'cursor://anysphere.cursor-retrieval/oauth/user-gatehouse/callback',
    authorize: { sendResource: true },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
  {
    // VS Code registers a fixed loopback port and vscode.dev's redirect (its fetchDynamicRegistration).
    name: 'VS Code',
    registration: {
      kind: 'dcr',
      body: {
        client_name: 'Visual Studio Code',
        redirect_uris: ['http://127.0.0.1:33418', 'https://vscode.dev/redirect'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'https://vscode.dev/redirect',
    authorize: { scope: 'mcp:tools', sendResource: true },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
  {
    // MCP Inspector: DCR with its two callbacks on port 6274.
    name: 'MCP Inspector',
    registration: {
      kind: 'dcr',
      body: {
        client_name: 'MCP Inspector',
        client_uri: 'https://github.com/modelcontextprotocol/inspector',
        redirect_uris: ['http://localhost:6274/oauth/callback', 'http://localhost:6274/oauth/callback/debug'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'http://localhost:6274/oauth/callback',
    authorize: { sendResource: true },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
  {
    // mcp-remote: DCR with software_id/version; older versions send no resource.
    name: 'mcp-remote',
    registration: {
      kind: 'dcr',
      body: {
        client_name: 'MCP CLI Proxy',
        client_uri: 'https://github.com/modelcontextprotocol/mcp-cli',
        software_id: '2e6dc280-f3c3-4e01-99a7-8181dbd1d23d',
        software_version: '0.1.29',
        redirect_uris: ['http://localhost:3334/oauth/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'http://localhost:3334/oauth/callback',
    authorize: { sendResource: false },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
  {
    // OpenAI Codex CLI 0.169 (`codex mcp login`, run here): CIMD with the client_id
    // https://chatgpt.com/oauth/codex/client.json and token_endpoint_auth_method none, an ephemeral
    // 127.0.0.1 port, `scope=mcp:tools offline_access` at authorize and the same scope on every refresh.
    // The document's body is not published; it is assumed to list the portless loopback callback.
    name: 'OpenAI Codex CLI',
    registration: {
      kind: 'cimd',
      path: '/oauth/codex/client.json',
      document: {
        client_name: 'Codex',
        redirect_uris: ['http://127.0.0.1/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'http://127.0.0.1:37013/callback',
    authorize: { scope: 'mcp:tools offline_access', sendResource: true },
    tokenAuth: 'none',
    refreshScope: 'mcp:tools offline_access',
    expectedScope: 'mcp:tools',
  },
  {
    // Goose: DCR on a loopback port with its own callback path.
    name: 'Goose',
    registration: {
      kind: 'dcr',
      body: {
        client_name: 'goose',
        redirect_uris: ['http://localhost:8020/oauth_callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    },
    redirectUri: 'http://localhost:8020/oauth_callback',
    authorize: { sendResource: true },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
  {
    // Windsurf asks for the OpenID scopes as if Gatehouse were an OpenID provider (supabase/mcp#183).
    name: 'Windsurf',
    registration: {
      kind: 'dcr',
      body: {
        client_name: 'Windsurf',
        redirect_uris: ['http://127.0.0.1:50123/oauth/callback'],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
        scope: 'openid email profile',
      },
    },
    redirectUri: 'http://127.0.0.1:50123/oauth/callback',
    authorize: { scope: 'openid email profile offline_access', sendResource: false },
    tokenAuth: 'none',
    expectedScope: 'mcp:tools',
  },
];
