#!/usr/bin/env node
// Runs the bundle built by `npm run build` (done by npm install, npm start and npm test);
// without one, runs the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/gatehouse.mjs', import.meta.url);
let main;
if (existsSync(bundle)) {
  ({ main } = await import(bundle.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
