import type { UserDirectory } from '../identity';
import type { ClientRegistry } from '../oauth/clients';
import type { AuditEvent } from '../telemetry';

/** One audit event with names beside its ids, as the page and the exports show it. */
export interface NamedAuditEvent {
  id: string;
  /** ISO 8601, UTC */
  at: string;
  event: string;
  userId: string;
  userEmail: string;
  clientId: string;
  clientName: string;
  resource: string;
  ip: string;
  reason: string;
  details: Record<string, unknown>;
}

export interface NameSources {
  directory: UserDirectory;
  /** asked only for ids that are not URLs: configured and registered clients, never a fetch */
  clients: ClientRegistry;
  now(): number;
}

/**
 * Names for the ids of a batch of events: each user's email (decrypted once per user) and each client's
 * name (looked up once per client). A CIMD client is named by its document's host: nothing is fetched
 * to show the audit log.
 */
export async function nameEvents(
  events: readonly AuditEvent[],
  sources: NameSources,
): Promise<NamedAuditEvent[]> {
  const emails = new Map<string, string>();
  for (const id of new Set(events.map((event) => event.userId))) {
    if (id === null || emails.has(id)) continue;
    const record = await sources.directory.get(id);
    emails.set(id, record ? (await sources.directory.profile(record)).email.toLowerCase() : '');
  }
  const names = new Map<string, string>();
  for (const id of new Set(events.map((event) => event.clientId))) {
    if (id === null || names.has(id)) continue;
    names.set(id, await clientName(id, sources));
  }
  return events.map((event) => ({
    id: event.id,
    at: new Date(event.at).toISOString(),
    event: event.event,
    userId: event.userId ?? '',
    userEmail: event.userId ? (emails.get(event.userId) ?? '') : '',
    clientId: event.clientId ?? '',
    clientName: event.clientId ? (names.get(event.clientId) ?? '') : '',
    resource: event.resource ?? '',
    ip: event.ip ?? '',
    reason: event.reason ?? '',
    details: event.details,
  }));
}

async function clientName(clientId: string, sources: NameSources): Promise<string> {
  if (clientId.startsWith('pat:')) return 'personal access token';
  if (clientId.startsWith('service')) return 'service token';
  if (/^https:\/\//.test(clientId)) {
    try {
      return new URL(clientId).host;
    } catch {
      return '';
    }
  }
  const found = await sources.clients.resolve(clientId);
  const name = found.ok ? found.client.metadata.client_name : undefined;
  return typeof name === 'string' ? name : '';
}

/** Details as `name: value` pairs, for reading (the exports keep the JSON). */
export function readableDetails(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' · ');
}

const EXPORT_COLUMNS = [
  'id',
  'at',
  'event',
  'userId',
  'userEmail',
  'clientId',
  'clientName',
  'resource',
  'ip',
  'reason',
  'details',
] as const;

export const CSV_HEADER = `${EXPORT_COLUMNS.join(',')}\r\n`;

/**
 * One CSV record (RFC 4180: CRLF, quotes doubled). A cell that a spreadsheet would read as a formula
 * (=, +, -, @, tab, CR) is prefixed with `'` — client names and reasons come from outside (OWASP CSV
 * injection).
 */
export function csvRecord(event: NamedAuditEvent): string {
  const cells = EXPORT_COLUMNS.map((column) => {
    const value = column === 'details' ? JSON.stringify(event.details) : event[column];
    const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  });
  return `${cells.join(',')}\r\n`;
}

export function jsonLine(event: NamedAuditEvent): string {
  return `${JSON.stringify(event)}\n`;
}
