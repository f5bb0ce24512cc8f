import { describe, expect, it } from 'vitest';
import { parseSince } from '../cli/audit';
import { parseAuditQuery, parseTime } from './audit-filter';

const empty = { user: '', client: '', event: '', since: '', until: '', before: '' };

describe('audit filters', () => {
  it('read datetime-local values as UTC and accept ISO timestamps', () => {
    expect(parseTime('2026-11-23T10:00')).toBe(Date.UTC(2026, 10, 23, 10, 0));
    expect(parseTime('2026-11-23T10:00:00+01:00')).toBe(Date.UTC(2026, 10, 23, 9, 0));
    expect(parseTime('')).toBeUndefined();
    expect(parseTime('yesterday')).toBeNaN();
  });

  it('tell an email from an opaque id, and refuse unknown events, bad times and forged page links', () => {
    expect(parseAuditQuery({ ...empty, user: ' Alice@Example.com ' })).toMatchObject({
      ok: true,
      user: { kind: 'email', email: 'Alice@Example.com' },
    });
    expect(parseAuditQuery({ ...empty, user: 'u_abc' })).toMatchObject({
      ok: true,
      user: { kind: 'id', id: 'u_abc' },
    });
    expect(parseAuditQuery({ ...empty, event: 'drop table' })).toMatchObject({ ok: false });
    expect(parseAuditQuery({ ...empty, since: 'soon' })).toMatchObject({ ok: false });
    expect(parseAuditQuery({ ...empty, before: "x' or 1=1" })).toMatchObject({ ok: false });
    expect(parseAuditQuery({ ...empty, event: 'login.failed', since: '2026-01-01T00:00' })).toEqual({
      ok: true,
      user: { kind: 'none' },
      events: ['login.failed'],
      since: Date.UTC(2026, 0, 1),
    });
    expect(parseAuditQuery({ ...empty, event: 'tool-calls' })).toMatchObject({
      ok: true,
      events: ['tool.called', 'hub.tool_called'],
    });
  });

  it('read --since as a duration ago or a timestamp', () => {
    const now = Date.UTC(2026, 10, 23, 12);
    expect(parseSince('15m', now)).toBe(now - 15 * 60_000);
    expect(parseSince('7d', now)).toBe(now - 7 * 86_400_000);
    expect(parseSince('2026-11-23T00:00:00Z', now)).toBe(Date.UTC(2026, 10, 23));
    expect(parseSince('soon', now)).toBeUndefined();
  });
});
