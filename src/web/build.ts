/**
 * Builds the pages (`src/web/*`) into `dist/web/`: one bundled, minified script and stylesheet per page, and its
 * HTML shell. Runs by itself before `npm start`, `npm test` and `npm run demo`, and on `npm ci` (prepare); takes
 * well under a second. `--check` prints each page's gzipped weight against its budget and fails past it.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'dist/web');

/** Each page: its entry points, and what its own scripts and styles may weigh gzipped (issue budget). */
const PAGES = [
  { name: 'track', script: 'src/web/track/main.ts', style: 'src/web/track/track.css', budgetKb: 150 },
  { name: 'dashboard', script: 'src/web/dashboard/main.tsx', style: 'src/web/dashboard/dashboard.css', budgetKb: 400 },
] as const;

const common: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  // Safari 14.1 rather than 14: esbuild cannot lower destructuring for 14.0, which the code and socket.io-client use.
  target: ['es2020', 'chrome90', 'safari14.1', 'firefox90'],
  logLevel: 'warning',
  legalComments: 'none',
};

export type PageName = (typeof PAGES)[number]['name'];

/** Builds one page into dist/web; returns its scripts' and styles' gzipped weight and budget. */
export async function buildPage(name: PageName): Promise<{ name: string; gzippedKb: number; budgetKb: number }> {
  const page = PAGES.find((candidate) => candidate.name === name)!;
  fs.mkdirSync(OUT, { recursive: true });
  await build({
    ...common,
    entryPoints: { [page.name]: path.join(ROOT, page.script) },
    outdir: OUT,
    format: 'iife',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  await build({
    ...common,
    entryPoints: { [page.name]: path.join(ROOT, page.style) },
    outdir: OUT,
    loader: { '.png': 'dataurl', '.svg': 'dataurl' },
  });
  fs.copyFileSync(path.join(ROOT, `src/web/${page.name}/index.html`), path.join(OUT, `${page.name}.html`));
  const gzipped = [`${page.name}.js`, `${page.name}.css`]
    .map((file) => zlib.gzipSync(fs.readFileSync(path.join(OUT, file)), { level: 9 }).length)
    .reduce((sum, size) => sum + size, 0);
  return { name: page.name, gzippedKb: Math.round((gzipped / 1024) * 10) / 10, budgetKb: page.budgetKb };
}

/** Builds every page; returns each one's gzipped weight and budget. */
export async function buildPages(): Promise<Array<{ name: string; gzippedKb: number; budgetKb: number }>> {
  const sizes = [];
  for (const page of PAGES) sizes.push(await buildPage(page.name));
  return sizes;
}

if (require.main === module) {
  buildPages().then(
    (sizes) => {
      const check = process.argv.includes('--check');
      let over = false;
      for (const size of sizes) {
        if (size.gzippedKb > size.budgetKb) over = true;
        if (check) process.stdout.write(`${size.name}: ${size.gzippedKb} KB gzipped (budget ${size.budgetKb} KB)\n`);
      }
      if (over) {
        process.stderr.write('a page is over its weight budget\n');
        process.exit(1);
      }
    },
    (error: unknown) => {
      process.stderr.write(`building the pages failed: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
