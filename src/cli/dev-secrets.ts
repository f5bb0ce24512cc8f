import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomId } from '../crypto';

export interface DevSecrets {
  secret: string;
  encryptionKeys: Array<{ id: string; key: string }>;
}

/**
 * Development secrets, generated on the first `gatehouse dev` and kept in `.gatehouse/dev-secrets.json`
 * (mode 0600) so tokens survive restarts. Never used by `serve`.
 */
export function loadOrCreateDevSecrets(stateDir: string): DevSecrets {
  const path = join(stateDir, 'dev-secrets.json');
  if (existsSync(path)) return JSON.parse(readFileSync(path, 'utf8')) as DevSecrets;
  mkdirSync(stateDir, { recursive: true });
  const secrets: DevSecrets = {
    secret: randomId(32),
    encryptionKeys: [{ id: 'dev1', key: Buffer.from(randomBytes(32)).toString('base64url') }],
  };
  writeFileSync(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return secrets;
}
