/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `BENCH_CPU_PROF=<dir>` for the bench servers): the
 * functions with the most self time, and self time per package / source area.
 * Usage: node --import tsx bench/profile-top.ts <file.cpuprofile> [rows]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

// Piped into `head`: a closed stdout ends the summary quietly.
process.stdout.on('error', () => process.exit(0));
const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [rows]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, index) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const total = [...selfMicros.values()].reduce((sum, value) => sum + value, 0);

/** Where a function lives: a package under node_modules, node's internals, Gatehouse's own code. */
function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:'))
    return url
      .replace(/^node:internal\//, 'node:')
      .split('/')
      .slice(0, 2)
      .join('/');
  if (url.includes('/dist/') || url.includes('/src/')) return 'gatehouse';
  return url;
}

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  if (!micros) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  const group = area(url, functionName);
  byArea.set(group, (byArea.get(group) ?? 0) + micros);
}
const rows = Number(rowsArg ?? 25);
const share = (micros: number) => `${((100 * micros) / total).toFixed(1)} %`;
console.log(`total sampled: ${(total / 1e6).toFixed(2)} s`);
console.log('\n| self | area |\n|---:|---|');
for (const [name, micros] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(`| ${share(micros)} | ${name} |`);
console.log('\n| self | function |\n|---:|---|');
for (const [name, micros] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(`| ${share(micros)} | ${name} |`);

// Inclusive time (self + callees) per function, for the functions named on the command line or, when
// none are, the heaviest Gatehouse-side frames: where a request's time goes, by layer.
const children = new Map<number, number[]>();
for (const node of profile.nodes as Array<ProfileNode & { children?: number[] }>)
  children.set(node.id, node.children ?? []);
const inclusive = new Map<number, number>();
function inclusiveMicros(id: number): number {
  const known = inclusive.get(id);
  if (known !== undefined) return known;
  let sum = selfMicros.get(id) ?? 0;
  for (const child of children.get(id) ?? []) sum += inclusiveMicros(child);
  inclusive.set(id, sum);
  return sum;
}
const byInclusive = new Map<string, number>();
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const frameKey = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  if (!url || url.startsWith('node:') || !functionName) return undefined;
  return `${functionName} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
};
// Summed over every call path; a frame already on the path (recursion) is not counted twice.
function visit(id: number, onPath: Set<string>) {
  const node = nodes.get(id);
  if (!node) return;
  const key = frameKey(node);
  const counted = key !== undefined && !onPath.has(key);
  if (counted) {
    byInclusive.set(key, (byInclusive.get(key) ?? 0) + inclusiveMicros(id));
    onPath.add(key);
  }
  for (const child of children.get(id) ?? []) visit(child, onPath);
  if (counted) onPath.delete(key);
}
const root = profile.nodes[0];
if (root) visit(root.id, new Set());
console.log('\n| inclusive | function (non-node frames) |\n|---:|---|');
for (const [name, micros] of [...byInclusive].sort((a, b) => b[1] - a[1]).slice(0, rows))
  console.log(`| ${share(micros)} | ${name} |`);
