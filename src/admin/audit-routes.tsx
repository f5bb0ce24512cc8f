import { type Context, Hono } from 'hono';
import type { AppEnv } from '../http';
import { type IdentityDeps, viewerOf } from '../identity/web-session';
import { AuditPage } from '../pages/audit-page';
import type { PatDeps } from '../resource/pat';
import { AUDIT_EVENT_NAMES, type AuditFilter, type AuditStore } from '../telemetry';
import { adminPages } from './admin-pages';
import { parseAuditQuery, TOOL_CALLS } from './audit-filter';
import { CSV_HEADER, csvRecord, jsonLine, type NameSources, nameEvents } from './audit-rows';

const PAGE_SIZE = 100;
/** The most one export holds; narrow the filters (or use `gatehouse audit`) for more. */
const EXPORT_LIMIT = 100_000;
const EXPORT_BATCH = 1000;

const FORMATS = {
  jsonl: { type: 'application/x-ndjson; charset=utf-8', head: '', line: jsonLine },
  csv: { type: 'text/csv; charset=utf-8', head: CSV_HEADER, line: csvRecord },
} as const;

/** The audit log for admins (named in `access.admins`): the page, and its export as JSON lines or CSV. */
export function adminRoutes(
  identity: IdentityDeps,
  pats: PatDeps,
  audit: AuditStore,
  names: NameSources,
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  const { admin } = adminPages(identity, pats, 'admin-audit', 'The audit log');

  /** The query's filters as given, and as a store filter (or the reason they are refused). */
  const filtersOf = async (c: Context<AppEnv>) => {
    const q = (name: string) => c.req.query(name) ?? '';
    const given = {
      user: q('user'),
      client: q('client'),
      event: q('event'),
      since: q('since'),
      until: q('until'),
    };
    const parsed = parseAuditQuery({ ...given, before: q('before') });
    if (!parsed.ok) return { given, error: parsed.error } as const;
    const userIds =
      parsed.user.kind === 'email'
        ? (await identity.directory.findByEmail(parsed.user.email)).map((user) => user.id)
        : parsed.user.kind === 'id'
          ? [parsed.user.id]
          : undefined;
    const filter: Omit<AuditFilter, 'limit'> = {
      ...(userIds ? { userIds } : {}),
      ...(parsed.clientId ? { clientId: parsed.clientId } : {}),
      ...(parsed.events ? { events: parsed.events } : {}),
      ...(parsed.since !== undefined ? { since: parsed.since } : {}),
      ...(parsed.until !== undefined ? { until: parsed.until } : {}),
      ...(parsed.before ? { before: parsed.before } : {}),
    };
    return { given, filter } as const;
  };

  app.get('/admin/audit', async (c) => {
    const who = await admin(c);
    if ('refusal' in who) return who.refusal;
    const { session } = who;
    const { given, filter, error } = await filtersOf(c);
    const exportQuery = new URLSearchParams(given).toString();
    const page = async (props: { rows: Awaited<ReturnType<typeof nameEvents>>; olderQuery?: string }) =>
      c.html(
        <AuditPage
          {...props}
          viewer={await viewerOf(identity, session)}
          events={AUDIT_EVENT_NAMES}
          toolCalls={TOOL_CALLS}
          filters={given}
          exportQuery={exportQuery}
          adminEmail={session.user.email}
          {...(error ? { error } : {})}
        />,
        error ? 400 : 200,
      );
    if (!filter) return page({ rows: [] });
    const events = await audit.query({ ...filter, limit: PAGE_SIZE });
    const last = events.at(-1);
    const olderQuery =
      events.length === PAGE_SIZE && last
        ? new URLSearchParams({ ...given, before: last.id }).toString()
        : undefined;
    return page({ rows: await nameEvents(events, names), ...(olderQuery ? { olderQuery } : {}) });
  });

  // The same filters, every matching event (newest first), streamed in batches.
  app.get('/admin/audit/export', async (c) => {
    const who = await admin(c);
    if ('refusal' in who) return who.refusal;
    const format = FORMATS[c.req.query('format') as keyof typeof FORMATS];
    const { filter, error } = await filtersOf(c);
    if (!format || !filter)
      return c.json(
        { error: 'invalid_request', error_description: error ?? 'format must be jsonl or csv' },
        400,
      );
    const encoder = new TextEncoder();
    let before = filter.before;
    let sent = 0;
    let started = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!started) {
          started = true;
          if (format.head) return controller.enqueue(encoder.encode(format.head));
        }
        const batch = await audit.query({
          ...filter,
          ...(before ? { before } : {}),
          limit: Math.min(EXPORT_BATCH, EXPORT_LIMIT - sent),
        });
        if (batch.length > 0) {
          const named = await nameEvents(batch, names);
          controller.enqueue(encoder.encode(named.map(format.line).join('')));
          sent += batch.length;
          before = batch.at(-1)?.id;
        }
        if (batch.length < EXPORT_BATCH || sent >= EXPORT_LIMIT) controller.close();
      },
    });
    const stamp = new Date(names.now()).toISOString().slice(0, 19).replaceAll(':', '');
    return c.body(body, 200, {
      'content-type': format.type,
      'content-disposition': `attachment; filename="gatehouse-audit-${stamp}.${c.req.query('format')}"`,
      'cache-control': 'no-store',
    });
  });

  return app;
}
