import { type NamedAuditEvent, readableDetails } from '../admin/audit-rows';
import type { Viewer } from '../identity/web-session';
import { Layout } from './layout';
import { Notices } from './notices';

export interface AuditPageProps {
  /** the signed-in user, for the header */
  viewer?: Viewer | undefined;
  rows: NamedAuditEvent[];
  events: readonly string[];
  /** the event filter's value for every tool call */
  toolCalls: string;
  /** the filters as a query string, for the export links */
  exportQuery: string;
  filters: { user: string; client: string; event: string; since: string; until: string };
  /** query string of the next (older) page, when there is one */
  olderQuery?: string;
  error?: string;
  adminEmail: string;
}

/**
 * The audit log for admins: newest first, filtered by user (email or id), client, event (or every tool
 * call) and time; names beside ids; the same selection exported as JSON lines or CSV.
 */
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
            <option value={props.toolCalls} selected={f.event === props.toolCalls}>
              tool calls (endpoints and hub)
            </option>
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
        <a href="/admin/audit">Clear</a>
      </form>
      <p class="muted">
        Export these events: <a href={`/admin/audit/export?format=jsonl&${props.exportQuery}`}>JSON lines</a>{' '}
        · <a href={`/admin/audit/export?format=csv&${props.exportQuery}`}>CSV</a>
      </p>
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
                  <td>{row.at.replace('T', ' ').slice(0, 19)}</td>
                  <td>{row.event}</td>
                  <td title={row.userId}>{row.userEmail || row.userId}</td>
                  <td>
                    {row.clientName || row.clientId}
                    {row.clientName && row.clientName !== row.clientId ? (
                      <div class="muted id">{row.clientId}</div>
                    ) : null}
                  </td>
                  <td>{row.resource}</td>
                  <td>{row.ip}</td>
                  <td>{row.reason}</td>
                  <td>{readableDetails(row.details)}</td>
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
