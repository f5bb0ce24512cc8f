import type { UserRow } from '../admin/users';
import type { Viewer } from '../identity/web-session';
import { utcMinute } from './format';
import { Layout } from './layout';
import { Notices } from './notices';
import { PostButton } from './revoke-form';

export interface UsersPageProps {
  viewer?: Viewer | undefined;
  rows: UserRow[];
  csrf: string;
  /** whether the hub is on (a connections column) */
  hub: boolean;
  email: string;
  /** the next page's number, when there is one */
  next?: number;
  previous?: number;
  message?: string;
  error?: string;
}

/** Everyone who signed in, what they hold, and the admin's levers: revoke everything, block, unblock. */
export function UsersPage(props: UsersPageProps) {
  return (
    <Layout title="Users" wide viewer={props.viewer}>
      <h1>Users</h1>
      <p class="muted">
        Everyone who has signed in, most recent first. <em>Revoke everything</em> ends their apps, tokens,
        connections and browser sessions (they may sign in again); <em>Block</em> does the same and refuses
        their sign-in until unblocked.
      </p>
      <form class="filters" method="get" action="/admin/users">
        <label>
          Email
          <input type="email" name="email" value={props.email} />
        </label>
        <button type="submit">Find</button>
        <a href="/admin/users">All users</a>
      </form>
      <Notices message={props.message} error={props.error} />
      {props.rows.length === 0 ? (
        <p>No users match.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>Email</th>
                <th>Signs in with</th>
                <th>Last seen</th>
                <th>Apps</th>
                <th>Tokens</th>
                {props.hub ? <th>Connections</th> : null}
                <th>Status</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr data-user={row.id}>
                  <td title={row.id}>{row.email}</td>
                  <td>{row.idp}</td>
                  <td>{utcMinute(row.lastSeenAt)}</td>
                  <td>{row.grants}</td>
                  <td>{row.pats}</td>
                  {props.hub ? <td>{row.connections ?? 0}</td> : null}
                  <td>{row.blocked ? <strong>blocked</strong> : 'active'}</td>
                  <td class="row-actions">
                    <PostButton
                      csrf={props.csrf}
                      action={`/admin/users/${encodeURIComponent(row.id)}/revoke`}
                      label="Revoke everything"
                    />
                    {row.blocked ? (
                      <PostButton
                        csrf={props.csrf}
                        action={`/admin/users/${encodeURIComponent(row.id)}/unblock`}
                        label="Unblock"
                      />
                    ) : (
                      <PostButton
                        csrf={props.csrf}
                        action={`/admin/users/${encodeURIComponent(row.id)}/block`}
                        label="Block"
                        danger
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p>
        {props.previous !== undefined ? <a href={`/admin/users?page=${props.previous}`}>Newer</a> : null}{' '}
        {props.next !== undefined ? <a href={`/admin/users?page=${props.next}`}>Older</a> : null}
      </p>
    </Layout>
  );
}
