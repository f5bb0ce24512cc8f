import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';
import { Notices } from './notices';
import { RevokeForm } from './revoke-form';

export interface TokenRow {
  id: string;
  prefix: string;
  name: string;
  scopes: string[];
  resource: string;
  created: string;
  lastUsed: string;
  expires: string;
}

export interface TokenEndpoint {
  path: string;
  name: string;
  scopes: Array<{ name: string; description: string }>;
}

/** What a create form sent, shown again after an error. */
export interface TokenDraft {
  resource: string;
  name: string;
  scopes: string[];
  expiresDays: string;
}

export interface TokensPageProps {
  /** the signed-in user, for the header */
  viewer?: Viewer | undefined;
  tokens: TokenRow[];
  endpoints: TokenEndpoint[];
  csrf: string;
  userEmail: string;
  /** the token just created: shown once, never again */
  created?: { token: string; name: string; url: string };
  error?: string;
  draft?: TokenDraft;
  expiryChoices: number[];
  defaultDays: number;
  allowNoExpiry: boolean;
}

/** Personal access tokens: create (name, endpoint, scopes, expiry), list by prefix, revoke. */
export function TokensPage(props: TokensPageProps) {
  return (
    <Layout title="Access tokens" wide viewer={props.viewer} script="/assets/copy.js">
      <h1>Personal access tokens</h1>
      <p class="muted">
        Signed in as {props.userEmail}. A token acts as you at one endpoint, with the scopes you choose.
      </p>
      {props.created ? (
        <div class="card" role="status">
          <p>
            Your new token <strong>{props.created.name}</strong>. Copy it now: it is shown once and stored
            only as a hash.
          </p>
          <p>
            <code id="new-token">{props.created.token}</code>{' '}
            <button type="button" class="copy" data-copy={props.created.token}>
              Copy
            </button>
          </p>
          {usage(props.created.url, props.created.token).map((example) => (
            <details data-example={example.label}>
              <summary>{example.label}</summary>
              <pre>{example.text}</pre>
              <button type="button" class="copy" data-copy={example.text}>
                Copy
              </button>
            </details>
          ))}
        </div>
      ) : null}
      <Notices error={props.error} />
      {props.tokens.length === 0 ? (
        <p>You have no personal access tokens.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Token</th>
              <th>Endpoint and scopes</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.tokens.map((token) => (
              <tr data-token={token.id}>
                <td>
                  {token.name}
                  <div class="muted">
                    <code>{token.prefix}…</code>
                  </div>
                </td>
                <td>
                  {token.resource}
                  <div class="muted">{token.scopes.join(', ')}</div>
                </td>
                <td>{token.created}</td>
                <td>{token.lastUsed}</td>
                <td>{token.expires}</td>
                <td>
                  <RevokeForm
                    action="/account/tokens/revoke"
                    csrf={props.csrf}
                    name="token"
                    value={token.id}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.endpoints.map((endpoint) => {
        const draft = props.draft?.resource === endpoint.path ? props.draft : undefined;
        return (
          <form method="post" action="/account/tokens" class="card" data-endpoint={endpoint.path}>
            <h2>New token for {endpoint.name}</h2>
            <p class="muted">{endpoint.path}</p>
            <input type="hidden" name="csrf" value={props.csrf} />
            <input type="hidden" name="resource" value={endpoint.path} />
            <label>
              Name
              <input
                type="text"
                name="name"
                required
                maxlength={100}
                placeholder="e.g. laptop CLI"
                value={draft?.name ?? ''}
              />
            </label>
            <fieldset>
              {endpoint.scopes.map((scope) => (
                <label>
                  <input
                    type="checkbox"
                    name="scope"
                    value={scope.name}
                    checked={draft?.scopes.includes(scope.name) ?? false}
                  />{' '}
                  {scope.name} <span class="muted">{scope.description}</span>
                </label>
              ))}
            </fieldset>
            <label>
              Expires in
              <select name="expires_days">
                {props.expiryChoices.map((days) => (
                  <option
                    value={String(days)}
                    selected={draft ? draft.expiresDays === String(days) : days === props.defaultDays}
                  >
                    {days} days
                  </option>
                ))}
                {props.allowNoExpiry ? (
                  <option value="never" selected={draft?.expiresDays === 'never'}>
                    never
                  </option>
                ) : null}
              </select>
            </label>
            <div class="actions">
              <button class="primary" type="submit">
                Create token
              </button>
            </div>
          </form>
        );
      })}
    </Layout>
  );
}

/** Ready to paste: the new token at its endpoint, in a terminal and in the clients that take a header. */
function usage(url: string, token: string) {
  return [
    {
      label: 'curl',
      text: `curl -H "Authorization: Bearer ${token}" -H "Content-Type: application/json" \\
     -H "Accept: application/json, text/event-stream" -H "MCP-Protocol-Version: 2025-11-25" \\
     -d '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}' ${url}`,
    },
    {
      label: 'Claude Code',
      text: `claude mcp add --transport http gatehouse ${url} --header "Authorization: Bearer ${token}"`,
    },
    {
      label: 'Cursor (~/.cursor/mcp.json)',
      text: JSON.stringify(
        { mcpServers: { gatehouse: { url, headers: { Authorization: `Bearer ${token}` } } } },
        null,
        2,
      ),
    },
    {
      label: 'VS Code (.vscode/mcp.json)',
      text: JSON.stringify(
        { servers: { gatehouse: { type: 'http', url, headers: { Authorization: `Bearer ${token}` } } } },
        null,
        2,
      ),
    },
    { label: 'gatehouse client', text: `GATEHOUSE_CLIENT_TOKEN=${token} npx gatehouse client ${url} tools` },
  ];
}
