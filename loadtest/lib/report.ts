import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchResult, Series } from './types';

export const RESULTS_DIR = path.resolve(__dirname, '../results');

/** The machine a result was measured on. */
export function machine() {
  return { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memory_gib: Math.round(os.totalmem() / 2 ** 30), node: process.version };
}

/** Writes `<name>-<time>.json` and `.html` into loadtest/results/; returns their paths. */
export function writeReport(name: string, options: Record<string, number>, result: BenchResult): { json: string; html: string } {
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = path.join(RESULTS_DIR, `${name}-${stamp}`);
  const document = { benchmark: name, at: new Date().toISOString(), machine: machine(), options, ...result };
  fs.writeFileSync(`${base}.json`, `${JSON.stringify(document, null, 2)}\n`);
  fs.writeFileSync(`${base}.html`, html(name, document, result));
  return { json: `${base}.json`, html: `${base}.html` };
}

/** Prints the summary table. */
export function summary(name: string, result: BenchResult): string {
  const rows: Array<[string, string]> = Object.entries(result.metrics).map(([key, value]) => [key, String(value)]);
  if (result.reference) {
    for (const [key, value] of Object.entries(result.reference.metrics)) rows.push([`reference ${key}`, String(value)]);
  }
  for (const [key, parts] of Object.entries(result.breakdowns ?? {})) {
    rows.push([key, Object.entries(parts).map(([part, value]) => `${part} ${value}`).join(', ') || '-']);
  }
  if (result.ratio) rows.push([`ratio (${result.ratio.metric})`, `${(result.ratio.value * 100).toFixed(1)}% of ${result.reference?.name}`]);
  for (const target of result.targets) rows.push([`target: ${target.target}`, `${target.measured} ${target.met ? 'MET' : 'NOT MET'}`]);
  const width = Math.max(...rows.map(([key]) => key.length));
  return [`── ${name} ${'─'.repeat(Math.max(0, width - name.length))}`, ...rows.map(([key, value]) => `${key.padEnd(width)}  ${value}`)].join('\n');
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A small inline SVG line chart. */
function chart(title: string, series: Series, xLabel: string, yLabel: string): string {
  if (series.length === 0) return '';
  const width = 640;
  const height = 260;
  const pad = 48;
  const xs = series.map(([x]) => x);
  const ys = series.map(([, y]) => y);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...ys, 1);
  const sx = (x: number) => pad + ((x - xMin) / (xMax - xMin || 1)) * (width - 2 * pad);
  const sy = (y: number) => height - pad - (y / yMax) * (height - 2 * pad);
  const points = series.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const labels = series
    .filter((_, index) => series.length <= 10 || index % Math.ceil(series.length / 10) === 0)
    .map(([x, y]) => `<text x="${sx(x).toFixed(1)}" y="${(sy(y) - 6).toFixed(1)}" font-size="10" text-anchor="middle">${y}</text>`)
    .join('');
  return `<figure><figcaption>${escape(title)}</figcaption><svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#888"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#888"/>
<polyline fill="none" stroke="#2563eb" stroke-width="2" points="${points}"/>${labels}
<text x="${width / 2}" y="${height - 10}" font-size="12" text-anchor="middle">${escape(xLabel)} (${xMin}–${xMax})</text>
<text x="14" y="${height / 2}" font-size="12" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">${escape(yLabel)} (max ${yMax})</text>
</svg></figure>`;
}

function html(name: string, document: object, result: BenchResult): string {
  const table = summary(name, result)
    .split('\n')
    .slice(1)
    .map((line) => `<tr><td>${escape(line.slice(0, line.indexOf('  ')))}</td><td>${escape(line.slice(line.indexOf('  ')).trim())}</td></tr>`)
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench ${escape(name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:60rem}td{padding:2px 12px;border-bottom:1px solid #eee}figure{margin:1.5rem 0}</style></head>
<body><h1>${escape(name)}</h1><table>${table}</table>
${chart('Latency distribution', result.latency ?? [], 'percentile', 'ms')}
${chart('Throughput over time', result.throughput ?? [], 'second', 'per second')}
${(result.charts ?? []).map((extra) => chart(extra.title, extra.series, extra.xLabel, extra.yLabel)).join('\n')}
${(result.notes ?? []).map((note) => `<p>${escape(note)}</p>`).join('')}
<details><summary>raw</summary><pre>${escape(JSON.stringify(document, null, 2))}</pre></details></body></html>\n`;
}
