import { existsSync, readFileSync } from 'node:fs';

/** The package's version, from its package.json (next to `src/` when run from source, `dist/` when bundled). */
export function packageVersion(): string {
  for (const relative of ['../../package.json', '../package.json']) {
    const url = new URL(relative, import.meta.url);
    if (!existsSync(url)) continue;
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (manifest.name === 'gatehouse' && manifest.version) return manifest.version;
  }
  return 'unknown';
}
