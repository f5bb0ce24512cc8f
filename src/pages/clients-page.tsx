import type { ClientOrigin, ClientRow } from '../admin/clients';
import type { Viewer } from '../identity/web-session';
import { utcMinute } from './format';
import { Layout } from './layout';
import { Notices } from './notices';
import { PostButton } from './revoke-form';

export interface ClientsPageProps {
  viewer?: Viewer | undefined;
  rows: ClientRow[];
  /** blocked CIMD hosts */
  hosts: string[];
  csrf: string;
  message?: string;
  error?: string;
}

const ORIGIN: Record<ClientOrigin, string> = {
  config: 'configuration',
  cli: 'command line',
  dcr: 'registered itself (DCR)',
  cimd: 'metadata document (CIMD)',
};

const when = (at: number | undefined) => (at ? utcMinute(at) : 'never');

/** One of the page's actions on a client or a host: `/admin/clients/<action>`. */
function Action(props: {
  csrf: string;
  action: string;
  field: string;
  value: string;
  label: string;
  danger?: boolean;
}) {
  return (
    <PostButton
      action={`/admin/clients/${props.action}`}
      csrf={props.csrf}
      label={props.label}
      field={{ name: props.field, value: props.value }}
      {...(props.danger ? { danger: true } : {})}
    />
  );
}

/** The clients that connect: how each registered, who uses it; block a client or a CIMD host, delete unused DCR. */
export function ClientsPage(props: ClientsPageProps) {
  const { csrf } = props;
  return (
    <Layout title="Clients" wide viewer={props.viewer}>
      <h1>Clients</h1>
      <p class="muted">
        The apps that connect to this Gatehouse. <em>Block</em> refuses a client at sign-in and at the token
        endpoint and revokes every grant of it now.
      </p>
      <Notices message={props.message} error={props.error} />
      {props.rows.length === 0 ? (
        <p>No clients yet.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>Client</th>
                <th>How it registered</th>
                <th>Users</th>
                <th>Last used</th>
                <th>Status</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr data-client={row.clientId}>
                  <td>
                    {row.name || row.clientId}
                    {row.name !== row.clientId ? <div class="muted id">{row.clientId}</div> : null}
                  </td>
                  <td>{ORIGIN[row.origin]}</td>
                  <td>{row.users}</td>
                  <td>{when(row.lastUsedAt)}</td>
                  <td>{row.blocked ? <strong>blocked</strong> : 'allowed'}</td>
                  <td class="row-actions">
                    {row.blocked ? (
                      <Action
                        csrf={csrf}
                        action="unblock"
                        field="client_id"
                        value={row.clientId}
                        label="Unblock"
                      />
                    ) : (
                      <Action
                        csrf={csrf}
                        action="block"
                        field="client_id"
                        value={row.clientId}
                        label="Block"
                        danger
                      />
                    )}
                    {row.host && !props.hosts.includes(row.host) ? (
                      <Action
                        csrf={csrf}
                        action="block-host"
                        field="host"
                        value={row.host}
                        label={`Block ${row.host}`}
                        danger
                      />
                    ) : null}
                    {row.deletable ? (
                      <Action
                        csrf={csrf}
                        action="delete"
                        field="client_id"
                        value={row.clientId}
                        label="Delete"
                      />
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>Blocked hosts</h2>
      <p class="muted">
        Every client whose metadata document (CIMD) is served from a blocked host is refused.
      </p>
      {props.hosts.length === 0 ? <p>None.</p> : null}
      <ul>
        {props.hosts.map((host) => (
          <li class="row-actions">
            {host} <Action csrf={csrf} action="unblock-host" field="host" value={host} label="Unblock" />
          </li>
        ))}
      </ul>
      <form method="post" action="/admin/clients/block-host" class="filters">
        <input type="hidden" name="csrf" value={csrf} />
        <label>
          Block a host
          <input type="text" name="host" placeholder="client.example.com" required maxlength={260} />
        </label>
        <button type="submit" class="danger">
          Block
        </button>
      </form>
    </Layout>
  );
}
