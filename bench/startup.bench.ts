/**
 * Start-up: how long `gatehouse dev` (the README's first command) takes from the process starting to its
 * "listening" line — on a fresh folder (secrets generated, database created and migrated) and again on the
 * same folder — and the time until /healthz first answers. Each a median of five runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { printTarget } from './support';

const BIN = resolve(import.meta.dirname, '../bin/gatehouse.js');

/** Milliseconds until `gatehouse dev` prints that it listens, and until /healthz answers. */
async function startOnce(cwd: string): Promise<{ listening: number; healthy: number }> {
  const port = 30000 + Math.floor(Math.random() * 20000);
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'dev', '--port', String(port)], {
    cwd,
    env: { ...process.env, CI: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const listening = await new Promise<number>((ready, fail) => {
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('listening on')) ready(performance.now() - started);
      });
      child.once('exit', (code) => fail(new Error(`gatehouse dev exited ${code}: ${output}`)));
    });
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (res) => res.ok,
        () => false,
      );
      if (ok) return { listening, healthy: performance.now() - started };
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((done) => child.once('exit', done));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const fresh: Array<{ listening: number; healthy: number }> = [];
const again: Array<{ listening: number; healthy: number }> = [];
for (let run = 0; run < 5; run++) {
  const cwd = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
  try {
    fresh.push(await startOnce(cwd));
    again.push(await startOnce(cwd));
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
console.log('| gatehouse dev | listening (ms, median of 5) | /healthz answers (ms) |');
console.log('|---|---:|---:|');
for (const [label, runs] of [
  ['fresh folder (secrets, database, migrations)', fresh],
  ['again, same folder', again],
] as const)
  console.log(
    `| ${label} | ${Math.round(median(runs.map((r) => r.listening)))} | ${Math.round(median(runs.map((r) => r.healthy)))} |`,
  );
const ready = median(fresh.map((r) => r.healthy));
printTarget(
  'gatehouse dev ready (fresh folder, /healthz answers)',
  Math.round(ready),
  ' ms',
  '< 1000 ms',
  ready < 1000,
);
