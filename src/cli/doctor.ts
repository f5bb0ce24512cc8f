import { type Finding, loadConfig } from '../config';
import type { CliIo } from './io';

export function formatFinding(finding: Finding): string {
  return `${finding.level === 'error' ? 'ERROR  ' : 'WARNING'} ${finding.path}: ${finding.message}`;
}

/** `gatehouse doctor --config FILE`: prints every finding; exit 1 on any error. */
export async function doctor(configPath: string | undefined, io: CliIo): Promise<number> {
  const result = await loadConfig(configPath, io.env);
  for (const finding of result.findings)
    (finding.level === 'error' ? io.err : io.out)(formatFinding(finding));
  if (!result.ok) {
    io.err(`configuration ${configPath ?? '(environment only)'} is invalid`);
    return 1;
  }
  io.out(`configuration ${configPath ?? '(environment only)'} is valid (${result.config.mode} mode)`);
  return 0;
}
