import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';
import { Notices } from './notices';

export interface AuditRow {
  id: string;
  at: string;
  event: string;
  user: string;
  clientId: string;
  resource: string;
  ip: string;
  reason: string;
  details: string;
}

export interface AuditPageProps {
  /** the signed-in user, for the header */
  viewer?: Viewer | undefined;
  rows: AuditRow[];
  events: readonly string[];
  filters: { user: string; client: string; event: string; since: string; until: string };
  /** query string of the next (older) page, when there is one */
  olderQuery?: string;
  error?: string;
  adminEmail: string;
}

/** The audit log for admins: newest first, filtered by user (email or id), client, event and time. */
export function AuditPage(props: AuditPageProps) {
  const f = props.filters;
  return (
    <Layout title="Audit log" wide viewer={props.viewer}>
      <h1>Audit log</h1>
      <p class="muted">Signed in as {props.adminEmail} (admin). Times are UTC.</p>
      <form class="filters" method="get" action="/admin/audit">
        <label>
          User (email or id)
          <input type="text" name="user" value={f.user} />
        </label>
        <label>
          Client
          <input type="text" name="client" value={f.client} />
        </label>
        <label>
          Event
          <select name="event">
            <option value="">any</option>
            {props.events.map((event) => (
              <option value={event} selected={event === f.event}>
                {event}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="datetime-local" name="since" value={f.since} />
        </label>
        <label>
          To
          <input type="datetime-local" name="until" value={f.until} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Notices error={props.error} />
      {props.rows.length === 0 ? (
        <p>No events match.</p>
      ) : (
        <div class="scroll">
          <table>
            <thead>
              <tr>
                <th>When</th>
                <th>Event</th>
                <th>User</th>
                <th>Client</th>
                <th>Resource</th>
                <th>IP</th>
                <th>Reason</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {props.rows.map((row) => (
                <tr data-event={row.event}>
                  <td>{row.at}</td>
                  <td>{row.event}</td>
                  <td>{row.user}</td>
                  <td>{row.clientId}</td>
                  <td>{row.resource}</td>
                  <td>{row.ip}</td>
                  <td>{row.reason}</td>
                  <td>
                    <code>{row.details}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {props.olderQuery ? (
        <p>
          <a href={`/admin/audit?${props.olderQuery}`}>Older events</a>
        </p>
      ) : null}
    </Layout>
  );
}
