import type { CatalogRow } from '../admin/catalog-api';
import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';
import { Notices } from './notices';

export interface CatalogPageProps {
  /** the signed-in user, for the header */
  viewer?: Viewer | undefined;
  rows: CatalogRow[];
  csrf: string;
  adminEmail: string;
  message?: string;
  error?: string;
  /** what the admin typed, kept after an error */
  draft?: Record<string, string>;
}

const SOURCE: Record<CatalogRow['source'], string> = {
  config: 'from config',
  edited: 'from config, edited here',
  admin: 'made here',
};

const when = (at: number) => new Date(at).toISOString().replace('T', ' ').slice(0, 16);

function EntryForm(props: { csrf: string; action: string; values: Record<string, string>; create: boolean }) {
  const v = props.values;
  return (
    <form method="post" action={props.action} class="card">
      <input type="hidden" name="csrf" value={props.csrf} />
      {props.create ? (
        <label>
          Slug
          <input
            type="text"
            name="slug"
            required
            pattern="[a-z0-9][a-z0-9-]{0,30}[a-z0-9]?"
            value={v.slug ?? ''}
          />
        </label>
      ) : null}
      <label>
        Name
        <input type="text" name="name" required maxlength={100} value={v.name ?? ''} />
      </label>
      <label>
        Description
        <input type="text" name="description" maxlength={500} value={v.description ?? ''} />
      </label>
      <label>
        MCP URL
        <input type="url" name="url" required value={v.url ?? ''} placeholder="https://mcp.example.com/mcp" />
      </label>
      <label>
        Tool prefix <span class="muted">(empty: the slug; none: plain names)</span>
        <input type="text" name="toolPrefix" value={v.toolPrefix ?? ''} />
      </label>
      <label>
        Timeout (seconds)
        <input type="number" name="timeoutSeconds" min="1" max="3600" value={v.timeoutSeconds ?? '60'} />
      </label>
      <label>
        Authentication (JSON)
        <textarea name="auth" rows={4}>
          {v.auth ?? '{"type": "oauth", "scopes": []}'}
        </textarea>
      </label>
      <label>
        <input type="checkbox" name="enabled" value="true" checked={v.enabled !== 'false'} /> Enabled
      </label>
      <div class="actions">
        <button class="primary" type="submit">
          {props.create ? 'Add to the catalog' : 'Save'}
        </button>
      </div>
    </form>
  );
}

/** The hub's catalog for admins: every entry with its health, and the forms to add, edit and delete. */
export function CatalogPage(props: CatalogPageProps) {
  return (
    <Layout title="Catalog" wide viewer={props.viewer}>
      <h1>Catalog</h1>
      <p class="muted">
        Signed in as {props.adminEmail} (admin). Users connect the enabled entries on their Connections page.
      </p>
      <Notices message={props.message} error={props.error} />
      <div class="scroll">
        <table>
          <thead>
            <tr>
              <th>Entry</th>
              <th>Auth</th>
              <th>State</th>
              <th>Health</th>
              <th>Changed</th>
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr data-entry={row.slug}>
                <td>
                  <strong>{row.definition.name}</strong> <code>{row.slug}</code>
                  <div class="muted">
                    <code>
                      {row.definition.url ??
                        `stdio: ${row.definition.stdio?.command ?? ''} (configuration file)`}
                    </code>
                  </div>
                </td>
                <td>{row.definition.auth.type}</td>
                <td
                  data-state={
                    row.deletedAt !== null ? 'deleted' : row.definition.enabled ? 'enabled' : 'disabled'
                  }
                >
                  {row.deletedAt !== null ? 'deleted' : row.definition.enabled ? 'enabled' : 'disabled'}
                  <div class="muted">{SOURCE[row.source]}</div>
                </td>
                <td>
                  {row.health.toolCount ?? '–'} tools · p50{' '}
                  {row.health.p50Ms === null ? '–' : `${Math.round(row.health.p50Ms)} ms`} ·{' '}
                  {row.health.connectedUsers} users
                  {row.health.lastError ? (
                    <div class="warn">
                      {when(row.health.lastError.at)}: {row.health.lastError.message}
                    </div>
                  ) : null}
                </td>
                <td>{when(row.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.rows
        // A stdio server is configuration only: not editable here.
        .filter((row) => row.deletedAt === null && row.definition.url !== undefined)
        .map((row) => (
          <details data-edit={row.slug}>
            <summary>Edit {row.definition.name}</summary>
            <EntryForm
              csrf={props.csrf}
              action={`/admin/catalog/${row.slug}`}
              create={false}
              values={{
                name: row.definition.name,
                description: row.definition.description,
                url: row.definition.url ?? '',
                toolPrefix: row.definition.toolPrefix ?? '',
                timeoutSeconds: String(row.definition.timeoutSeconds),
                auth: JSON.stringify(row.definition.auth),
                enabled: String(row.definition.enabled),
              }}
            />
            <form method="post" action={`/admin/catalog/${row.slug}/delete`}>
              <input type="hidden" name="csrf" value={props.csrf} />
              <button type="submit">Delete {row.definition.name}</button>
            </form>
          </details>
        ))}
      <h2>Add a server</h2>
      <EntryForm csrf={props.csrf} action="/admin/catalog" create values={props.draft ?? {}} />
    </Layout>
  );
}
