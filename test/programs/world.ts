import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ConfigInput } from '../../src/config/schema';
import type { OutboundDeps } from '../../src/lib/net/safe-fetch';
import { chromiumAvailable, launchChromium } from '../support/chromium';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';

/**
 * What a client-program test needs: a Gatehouse whose clock the test can move (to expire access tokens)
 * and a headless Chromium for the browser leg. Registers its own setup and teardown. `outbound` (called
 * in setup) is how Gatehouse reaches client metadata documents; `config` adds to its configuration.
 */
export function useProgramWorld(
  options: { outbound?: () => OutboundDeps; config?: Partial<ConfigInput> } = {},
) {
  let gh: TestGatehouse | undefined;
  let browser: Browser | undefined;
  let offset = 0;
  beforeAll(async () => {
    gh = await startTestGatehouse(
      { resources: [demoResource()], ...options.config },
      {
        now: () => Date.now() + offset,
        ...(options.outbound ? { outbound: options.outbound() } : {}),
      },
    );
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await gh?.close();
  });
  return {
    gatehouse: () => gh as TestGatehouse,
    browser: () => browser as Browser,
    /** moves Gatehouse's clock forward (an hour and more expires every access token) */
    advance(ms: number) {
      offset += ms;
    },
  };
}

/** The text without terminal escape sequences (ESC [ … letter). */
const ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

/** A client program run as a user runs it: its output (escape sequences removed) and its exit. */
export function runProgram(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: 'open' | 'closed' } = {},
) {
  // stdin stays open unless asked: some programs shut down when it closes, others read it to its end.
  const child: ChildProcess = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: [options.stdin === 'closed' ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  // 'close', not 'exit': all of its output has been read by then.
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return {
    output: () => output.replace(ESCAPE, ''),
    exited,
    /** answers `text` (and Enter) once `prompt` has been printed */
    answerWhenAsked(prompt: string, text: string) {
      const look = setInterval(() => {
        if (!output.includes(prompt)) return;
        clearInterval(look);
        child.stdin?.write(`${text}\n`);
      }, 50);
      exited.then(() => clearInterval(look));
    },
    /** the authorization URL it prints for the user to open */
    authorizationUrl: () =>
      new Promise<string>((found, fail) => {
        const url = () =>
          /(http:\/\/127\.0\.0\.1:\d+\/oauth\/authorize\?\S+)/.exec(output.replace(ESCAPE, ''))?.[1];
        const look = setInterval(() => {
          const printed = url();
          if (printed) {
            clearInterval(look);
            found(printed);
          }
        }, 50);
        // Some programs print the URL and exit (a daemon waits for the callback): look once more.
        exited.then(() => {
          clearInterval(look);
          const printed = url();
          if (printed) found(printed);
          else fail(new Error(`${command} exited before printing an authorization URL: ${output}`));
        });
      }),
  };
}

/**
 * The desktop browser a program opens (through `$BROWSER` / xdg-open): a script that records the URL
 * so the test can open it in Chromium. For programs that open a browser rather than print the URL.
 */
export function recordingBrowser(dir: string) {
  const script = join(dir, 'open-browser.sh');
  const opened = join(dir, 'opened-urls.txt');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, { mode: 0o755 });
  return {
    /** the value for `BROWSER` */
    command: script,
    /** the first URL the program opened */
    firstUrl: () =>
      new Promise<string>((found, fail) => {
        const started = Date.now();
        const look = setInterval(() => {
          const url = existsSync(opened) ? readFileSync(opened, 'utf8').split('\n')[0] : '';
          if (url) {
            clearInterval(look);
            found(url);
          } else if (Date.now() - started > 30_000) {
            clearInterval(look);
            fail(new Error('the program opened no browser within 30 s'));
          }
        }, 50);
      }),
  };
}

/** Where the large client programs are installed (`(cd test/programs/runner && npm install)`; CI does it). */
export const RUNNER = join(import.meta.dirname, 'runner');

/**
 * A program installed in the runner: its path, and whether its test runs. In CI it must (a missing install
 * fails the test); elsewhere a missing one skips it with a warning that says how to install it.
 */
export function runnerProgram(bin: string, name: string) {
  const path = join(RUNNER, 'node_modules/.bin', bin);
  const installed = existsSync(path);
  if (!installed && !process.env.CI)
    console.warn(
      `\n[gatehouse] ${name} test SKIPPED: run (cd test/programs/runner && npm install) to install it.\n`,
    );
  return { path, runs: chromiumAvailable && (installed || Boolean(process.env.CI)) };
}
