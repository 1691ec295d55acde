/**
 * The benchmark runner.
 *   npm run bench                       the short suite (every benchmark with its short defaults, ≤ 5 minutes)
 *   npm run bench -- status --duration 60 --rate 5000
 *   npm run bench -- ratelimit --duration 15
 *   npm run bench -- devices --messages 50000
 *   npm run bench -- signin --customers 2000
 *   npm run bench -- payments --orders 2000
 *   npm run bench -- soak --minutes 3  (by name only; 30 minutes by default)
 *   npm run bench -- list
 */
import { actors } from './benchmarks/actors';
import { commits } from './benchmarks/commits';
import { connections } from './benchmarks/connections';
import { courier } from './benchmarks/courier';
import { day } from './benchmarks/day';
import { devices } from './benchmarks/devices';
import { eta } from './benchmarks/eta';
import { fanout } from './benchmarks/fanout';
import { importBench } from './benchmarks/import';
import { labels } from './benchmarks/labels';
import { location } from './benchmarks/location';
import { notify } from './benchmarks/notify';
import { pages } from './benchmarks/pages';
import { privacy } from './benchmarks/privacy';
import { ratelimit } from './benchmarks/ratelimit';
import { reports } from './benchmarks/reports';
import { scale } from './benchmarks/scale';
import { payments } from './benchmarks/payments';
import { signin } from './benchmarks/signin';
import { soak } from './benchmarks/soak';
import { status } from './benchmarks/status';
import { webhooks } from './benchmarks/webhooks';
import { createProgress, endProgress } from './lib/progress';
import { summary, writeReport } from './lib/report';
import type { Benchmark } from './lib/types';

const BENCHMARKS: Benchmark[] = [actors, status, commits, location, fanout, connections, notify, webhooks, scale, ratelimit, reports, importBench, day, privacy, eta, pages, labels, courier, devices, signin, payments];
// Run by name only: a soak lasts 30 minutes by default, far beyond the short suite.
const BY_NAME_ONLY: Benchmark[] = [soak];

function parseOptions(args: string[], defaults: Record<string, number>): Record<string, number> {
  const options = { ...defaults };
  for (let index = 0; index < args.length; index += 2) {
    const flag = args[index]!;
    const value = Number(args[index + 1]);
    const key = flag.replace(/^--/, '');
    if (!flag.startsWith('--') || !(key in defaults) || !Number.isFinite(value)) {
      throw new Error(`unknown or bad option ${flag} ${args[index + 1] ?? ''}; options: ${Object.keys(defaults).map((k) => `--${k}`).join(' ')}`);
    }
    options[key] = value;
  }
  return options;
}

async function runOne(benchmark: Benchmark, options: Record<string, number>): Promise<boolean> {
  process.stderr.write(`\n${benchmark.name}: ${benchmark.description}\n  options ${JSON.stringify(options)}\n`);
  const result = await benchmark.run({ options, progress: createProgress(benchmark.name) });
  endProgress();
  process.stdout.write(`${summary(benchmark.name, result)}\n`);
  const files = writeReport(benchmark.name, options, result);
  process.stdout.write(`  report: ${files.html}\n`);
  return result.targets.every((target) => target.met);
}

async function main(): Promise<void> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === 'list') {
    for (const benchmark of [...BENCHMARKS, ...BY_NAME_ONLY]) process.stdout.write(`${benchmark.name.padEnd(12)} ${benchmark.description}\n  defaults ${JSON.stringify(benchmark.defaults)}\n`);
    return;
  }
  const selected = name ? [...BENCHMARKS, ...BY_NAME_ONLY].filter((benchmark) => benchmark.name === name) : BENCHMARKS;
  if (selected.length === 0) throw new Error(`no benchmark named ${name}; try: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  const met: string[] = [];
  const missed: string[] = [];
  for (const benchmark of selected) {
    const ok = await runOne(benchmark, parseOptions(name ? rest : [], benchmark.defaults));
    (ok ? met : missed).push(benchmark.name);
  }
  process.stdout.write(`\ntargets met: ${met.join(', ') || 'none'}; not met: ${missed.join(', ') || 'none'}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
