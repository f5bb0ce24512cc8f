import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openDatabase } from './database';

it('creates SQLite files owner-only (0600), the database and its WAL alike', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-perm-'));
  try {
    const path = join(dir, 'nested', 'gatehouse.db');
    const database = openDatabase(`sqlite:${path}`);
    await database.migrate();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    await database.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
