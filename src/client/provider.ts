import type {
  OAuthClientInformationContext,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { isLoopbackHost } from '../config/audit';
import { randomId } from '../crypto';
import { ClientFailure } from './failure';
import { type ClientState, issuerRecord, type TokenStore } from './token-store';

export interface PreRegisteredClient {
  clientId: string;
  clientSecret?: string | undefined;
}

export interface ProviderOptions {
  serverUrl: string;
  store: TokenStore;
  state: ClientState;
  redirectUrl: string;
  /** CIMD: this HTTPS URL is the client_id (draft-ietf-oauth-client-id-metadata-document) */
  clientMetadataUrl?: string | undefined;
  preRegistered?: PreRegisteredClient | undefined;
  clientName?: string;
  /** called with the authorization URL the user must visit */
  onAuthorizationUrl: (url: URL, state: string) => void | Promise<void>;
}

/** A CIMD client_id must be https with a path; http is accepted on loopback only, for local testing. */
export function checkClientMetadataUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `--client-metadata-url "${value}" is not a URL`;
  }
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    return `--client-metadata-url must be an https URL (http only on loopback), got ${value}`;
  if (url.pathname === '/' || url.hash)
    return `--client-metadata-url needs a path and no fragment, got ${value}`;
  return undefined;
}

/**
 * The MCP SDK's OAuth client (discovery, DCR, PKCE, RFC 8707 resource, RFC 9207 iss, refresh, step-up)
 * driven by this provider: registrations and tokens persisted per issuer, the PKCE verifier, state and
 * discovery kept in memory for the one flow this process runs.
 */
export class CliOAuthProvider implements OAuthClientProvider {
  private verifier = '';
  private discovery: OAuthDiscoveryState | undefined;
  /** the `state` of the authorization request in flight */
  pendingState: string | undefined;
  private resource: string | undefined;

  constructor(private readonly options: ProviderOptions) {}

  get redirectUrl(): string {
    return this.options.redirectUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.options.clientName ?? 'Gatehouse CLI',
      redirect_uris: [this.options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      software_id: 'gatehouse-client',
      application_type: 'native', // SEP-837 / OIDC DCR: a CLI with a loopback redirect
    };
  }

  private get data(): ClientState {
    return this.options.state;
  }

  /** Applies a change to the file (read-modify-write) and takes what was written as the state in memory. */
  private async persist(change: (state: ClientState) => void): Promise<void> {
    Object.assign(this.data, await this.options.store.update(change));
  }

  clientInformation(ctx?: OAuthClientInformationContext): StoredOAuthClientInformation | undefined {
    const issuer = ctx?.issuer;
    if (this.options.preRegistered) {
      const { clientId, clientSecret } = this.options.preRegistered;
      return {
        client_id: clientId,
        ...(clientSecret ? { client_secret: clientSecret } : {}),
        ...(issuer ? { issuer } : {}),
      };
    }
    if (this.options.clientMetadataUrl) {
      const metadata = this.discovery?.authorizationServerMetadata;
      if (metadata && metadata.client_id_metadata_document_supported !== true) {
        throw new ClientFailure(
          `the authorization server ${metadata.issuer} does not support client metadata documents (client_id_metadata_document_supported is not true in its metadata); drop --client-metadata-url to register with DCR`,
        );
      }
      return { client_id: this.options.clientMetadataUrl, ...(issuer ? { issuer } : {}) };
    }
    return issuer ? this.data.issuers[issuer]?.client : undefined;
  }

  async saveClientInformation(info: StoredOAuthClientInformation, ctx?: OAuthClientInformationContext) {
    const issuer = ctx?.issuer ?? info.issuer;
    if (!issuer || this.options.preRegistered || this.options.clientMetadataUrl) return;
    await this.persist((state) => {
      const record = issuerRecord(state, issuer);
      record.client = info;
      record.registration = 'dcr';
    });
  }

  tokens(ctx?: OAuthClientInformationContext): StoredOAuthTokens | undefined {
    const issuer = ctx?.issuer ?? this.data.servers[this.options.serverUrl]?.issuer;
    return issuer ? this.data.issuers[issuer]?.tokens[this.options.serverUrl] : undefined;
  }

  async saveTokens(tokens: StoredOAuthTokens, ctx?: OAuthClientInformationContext) {
    const issuer = ctx?.issuer ?? tokens.issuer;
    if (!issuer) throw new ClientFailure('the token response cannot be tied to an authorization server');
    const registration = this.options.preRegistered
      ? 'pre-registered'
      : this.options.clientMetadataUrl
        ? 'cimd'
        : 'dcr';
    const client = this.clientInformation({ issuer });
    await this.persist((state) => {
      const record = issuerRecord(state, issuer);
      record.tokens[this.options.serverUrl] = { ...tokens, issuer, saved_at: Date.now() };
      if (registration !== 'dcr' && client) {
        // the secret of a pre-registered client stays out of the file; the id is kept for whoami/logout
        record.client = { client_id: client.client_id, issuer };
        record.registration = registration;
      }
      state.servers[this.options.serverUrl] = {
        ...state.servers[this.options.serverUrl],
        issuer,
        ...(this.resource ? { resource: this.resource } : {}),
      };
    });
  }

  /** RFC 8707: the resource the tokens are for, kept with the server's entry at the next saveTokens */
  saveResourceUrl(resource: string) {
    this.resource = resource;
  }

  /** A fresh `state` for every authorization request (RFC 6749 §10.12); the loopback only accepts it. */
  state(): string {
    return randomId(24);
  }

  async redirectToAuthorization(url: URL) {
    // MCP authorization (PKCE): a client MUST refuse to proceed when the authorization server does not
    // advertise S256 in code_challenge_methods_supported, or publishes no metadata to say so.
    const metadata = this.discovery?.authorizationServerMetadata;
    const methods = metadata?.code_challenge_methods_supported;
    if (!methods?.includes('S256'))
      throw new ClientFailure(
        metadata
          ? `the authorization server ${metadata.issuer} does not advertise PKCE S256 (code_challenge_methods_supported: ${JSON.stringify(methods ?? null)}); refusing to proceed without PKCE`
          : `${url.origin} publishes no authorization server metadata, so PKCE support cannot be verified; refusing to proceed`,
      );
    // The URL comes from server metadata and is handed to a browser: https, or http on loopback only — never
    // javascript:, file:, data: or a plain-http host on the network (MCP security best practices).
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname)))
      throw new ClientFailure(
        `refusing to open the authorization endpoint ${url.origin}${url.pathname}: it must be https (http only on loopback)`,
      );
    const state = url.searchParams.get('state') ?? '';
    this.pendingState = state;
    await this.options.onAuthorizationUrl(url, state);
  }

  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }

  codeVerifier(): string {
    return this.verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }

  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }

  /**
   * SEP-2352: a 401 from the resource may mean it moved to another authorization server; the next
   * authorization discovers afresh (tokens and registrations are per issuer, so nothing crosses over).
   */
  forgetDiscovery() {
    this.discovery = undefined;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery') {
    if (scope === 'verifier' || scope === 'all') this.verifier = '';
    if (scope === 'discovery' || scope === 'all') this.discovery = undefined;
    if (scope === 'verifier' || scope === 'discovery') return;
    const issuer =
      this.data.servers[this.options.serverUrl]?.issuer ??
      this.discovery?.authorizationServerMetadata?.issuer;
    if (!issuer) return;
    await this.persist((state) => {
      const record = state.issuers[issuer];
      if (!record) return;
      if (scope === 'tokens' || scope === 'all') delete record.tokens[this.options.serverUrl];
      if ((scope === 'client' || scope === 'all') && record.registration === 'dcr') delete record.client;
    });
  }
}
