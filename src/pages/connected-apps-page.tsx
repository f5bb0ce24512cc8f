import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';
import { RevokeForm } from './revoke-form';

export interface ConnectedApp {
  grantId: string;
  clientName: string;
  scopes: string[];
  resource: string;
  /** where this authorization's code went (tells two installs of one client apart) */
  redirectTarget?: string;
  authorizedAt: string;
  lastUsedAt: string;
}

export function ConnectedAppsPage(props: {
  apps: ConnectedApp[];
  csrf: string;
  userEmail: string;
  viewer?: Viewer | undefined;
}) {
  return (
    <Layout title="Connected apps" viewer={props.viewer}>
      <h1>Connected apps</h1>
      <p class="muted">
        Signed in as {props.userEmail} · <a href="/account/tokens">Personal access tokens</a>
      </p>
      {props.apps.length === 0 ? (
        <p>No app has access to your account.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>App</th>
              <th>Access</th>
              <th>Authorized</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {props.apps.map((app) => (
              <tr>
                <td>
                  {app.clientName}
                  <div class="muted">{app.resource}</div>
                  {app.redirectTarget ? <div class="muted host">via {app.redirectTarget}</div> : null}
                </td>
                <td>{app.scopes.join(', ')}</td>
                <td>{app.authorizedAt}</td>
                <td>{app.lastUsedAt}</td>
                <td>
                  <RevokeForm
                    action="/account/apps/revoke"
                    csrf={props.csrf}
                    name="grant"
                    value={app.grantId}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}
