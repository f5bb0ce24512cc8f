import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium } from '../support/chromium';
import { demoResource, startTestGatehouse, type TestGatehouse } from '../support/gatehouse';

/**
 * What a client-program test needs: a Gatehouse whose clock the test can move (to expire access tokens)
 * and a headless Chromium for the browser leg. Registers its own setup and teardown.
 */
export function useProgramWorld() {
  let gh: TestGatehouse | undefined;
  let browser: Browser | undefined;
  let offset = 0;
  beforeAll(async () => {
    gh = await startTestGatehouse({ resources: [demoResource()] }, { now: () => Date.now() + offset });
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
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
) {
  // stdin stays open: some programs shut down when it closes.
  const child: ChildProcess = spawn(command, args, { ...options, stdio: ['pipe', 'pipe', 'pipe'] });
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
