// Loaded with `--expose-gc --import` into a Gatehouse process under test: on the IPC message
// 'heap' it collects garbage (twice, with a turn between, so FinalizationRegistry callbacks run and
// what they release is collected too) and answers the heap in use.
import { setImmediate as turn } from 'node:timers/promises';

// The probe must not keep the server alive: it exits on SIGTERM as it would without it.
process.channel?.unref();

process.on('message', async (message) => {
  if (message !== 'heap') return;
  for (let round = 0; round < 3; round++) {
    globalThis.gc();
    await turn();
  }
  process.send?.({ heapUsed: process.memoryUsage().heapUsed });
});
