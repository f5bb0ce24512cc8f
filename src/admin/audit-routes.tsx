import { Hono } from 'hono';
import type { AppEnv } from '../http';
import type { UserDirectory } from '../identity';
import { isAdmin } from '../identity/policy';
import { currentSession, type IdentityDeps, loginPath, viewerOf } from '../identity/web-session';
import { AuditPage, type AuditRow } from '../pages/audit-page';
import { ErrorPage } from '../pages/error-page';
import { AUDIT_EVENT_NAMES, type AuditEvent, type AuditStore } from '../telemetry';
import { parseAuditQuery } from './audit-filter';

const PAGE_SIZE = 100;

/** Pages only admins (named in `access.admins`) may open. */
export function adminRoutes(identity: IdentityDeps, audit: AuditStore): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/admin/audit', async (c) => {
    const session = await currentSession(identity, c);
    if (!session) return c.redirect(loginPath(c), 302);
    // Admin rights follow the current configuration, not what it said when the session began.
    const record = await identity.directory.get(session.user.id);
    const profile = record && (await identity.directory.profile(record));
    if (!profile || !isAdmin(identity.policy, profile))
      return c.html(
        <ErrorPage
          title="Admins only"
          message="The audit log is for the administrators named in this Gatehouse's configuration."
          requestId={c.get('requestId')}
        />,
        403,
      );
    const q = (name: string) => c.req.query(name) ?? '';
    const filters = {
      user: q('user'),
      client: q('client'),
      event: q('event'),
      since: q('since'),
      until: q('until'),
    };
    const parsed = parseAuditQuery({ ...filters, before: q('before') });
    const viewer = await viewerOf(identity, session);
    const page = (
      rows: AuditRow[],
      extra: { error?: string; olderQuery?: string },
      status: 200 | 400 = 200,
    ) =>
      c.html(
        <AuditPage
          rows={rows}
          viewer={viewer}
          events={AUDIT_EVENT_NAMES}
          filters={filters}
          adminEmail={session.user.email}
          {...extra}
        />,
        status,
      );
    if (!parsed.ok) return page([], { error: parsed.error }, 400);

    const userIds =
      parsed.user.kind === 'email'
        ? (await identity.directory.findByEmail(parsed.user.email)).map((user) => user.id)
        : parsed.user.kind === 'id'
          ? [parsed.user.id]
          : undefined;
    const events = await audit.query({
      ...(userIds ? { userIds } : {}),
      ...(parsed.clientId ? { clientId: parsed.clientId } : {}),
      ...(parsed.event ? { event: parsed.event } : {}),
      ...(parsed.since !== undefined ? { since: parsed.since } : {}),
      ...(parsed.until !== undefined ? { until: parsed.until } : {}),
      ...(parsed.before ? { before: parsed.before } : {}),
      limit: PAGE_SIZE,
    });
    const rows = await toRows(events, identity.directory);
    const last = events.at(-1);
    const olderQuery =
      events.length === PAGE_SIZE && last
        ? new URLSearchParams({ ...filters, before: last.id }).toString()
        : undefined;
    return page(rows, olderQuery ? { olderQuery } : {});
  });

  return app;
}

/** Rows for display; admins see the email behind each opaque user id (decrypted once per user). */
async function toRows(events: AuditEvent[], directory: UserDirectory): Promise<AuditRow[]> {
  const emails = new Map<string, string>();
  for (const id of new Set(events.map((event) => event.userId).filter((id): id is string => id !== null))) {
    const record = await directory.get(id);
    emails.set(id, record ? (await directory.profile(record)).email.toLowerCase() : id);
  }
  return events.map((event) => ({
    id: event.id,
    at: new Date(event.at).toISOString().replace('T', ' ').slice(0, 19),
    event: event.event,
    user: event.userId ? `${emails.get(event.userId) ?? event.userId}` : '',
    clientId: event.clientId ?? '',
    resource: event.resource ?? '',
    ip: event.ip ?? '',
    reason: event.reason ?? '',
    details: Object.keys(event.details).length ? JSON.stringify(event.details) : '',
  }));
}
