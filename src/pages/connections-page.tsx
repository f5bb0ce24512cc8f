import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';
import { Notices } from './notices';

export interface ConnectionRow {
  slug: string;
  name: string;
  description: string;
  url: string;
  /** oauth: the user connects; anything else is ready for everyone */
  needsConnection: boolean;
  status: 'connected' | 'broken' | 'not-connected' | 'ready';
  scopes: string;
  lastError: string | null;
  templates: Array<{ name: string; description: string; scopes: string[] }>;
  /** the template whose scopes the connection holds, if one matches */
  currentTemplate?: string | undefined;
  /** single scopes offered (the entry's defaults and its templates') */
  scopeChoices: string[];
}

export interface ConnectionsPageProps {
  /** the signed-in user, for the header */
  viewer?: Viewer | undefined;
  userEmail: string;
  csrf: string;
  hubUrl: string;
  rows: ConnectionRow[];
  message?: string;
  error?: string;
}

const STATUS: Record<ConnectionRow['status'], string> = {
  connected: 'Connected',
  broken: 'Broken: reconnect',
  'not-connected': 'Not connected',
  ready: 'Ready (no sign-in needed)',
};

/** The catalog as one user sees it: connect, change scopes, disconnect. */
export function ConnectionsPage(props: ConnectionsPageProps) {
  return (
    <Layout title="Connections" wide viewer={props.viewer}>
      <h1>Connections</h1>
      <p class="muted">
        Signed in as {props.userEmail}. The tools of every server you connect are served at one MCP endpoint:{' '}
        <code>{props.hubUrl}</code>
      </p>
      <Notices message={props.message} error={props.error} />
      {props.rows.length === 0 ? <p>No server has been approved for this Gatehouse yet.</p> : null}
      {props.rows.map((row) => (
        <section class="card" id={row.slug} data-entry={row.slug}>
          <h2>{row.name}</h2>
          {row.description ? <p>{row.description}</p> : null}
          <p class="muted">
            <code>{row.url}</code>
          </p>
          <p data-status={row.status}>
            <strong>{STATUS[row.status]}</strong>
            {row.scopes ? <span class="muted"> · scopes: {row.scopes}</span> : null}
          </p>
          {row.lastError ? <p class="warn">{row.lastError}</p> : null}
          {row.needsConnection ? (
            <form method="post" action={`/hub/connections/${row.slug}/connect`}>
              <input type="hidden" name="csrf" value={props.csrf} />
              {row.templates.length > 0 ? (
                <fieldset>
                  <legend>Access</legend>
                  {row.templates.map((template, index) => (
                    <label>
                      <input type="radio" name="template" value={template.name} checked={index === 0} />{' '}
                      {template.name}{' '}
                      <span class="muted">
                        {template.description} ({template.scopes.join(' ')})
                      </span>
                    </label>
                  ))}
                </fieldset>
              ) : row.scopeChoices.length > 0 ? (
                <fieldset>
                  <legend>Scopes</legend>
                  {row.scopeChoices.map((scope) => (
                    <label>
                      <input type="checkbox" name="scope" value={scope} checked /> {scope}
                    </label>
                  ))}
                </fieldset>
              ) : null}
              <div class="actions">
                <button class="primary" type="submit">
                  {row.status === 'not-connected'
                    ? 'Connect'
                    : row.status === 'broken'
                      ? 'Reconnect'
                      : 'Change scopes'}
                </button>
              </div>
            </form>
          ) : null}
          {row.status === 'connected' || row.status === 'broken' ? (
            <form method="post" action={`/hub/connections/${row.slug}/disconnect`}>
              <input type="hidden" name="csrf" value={props.csrf} />
              <button type="submit">Disconnect</button>
            </form>
          ) : null}
        </section>
      ))}
    </Layout>
  );
}
