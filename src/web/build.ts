/**
 * Builds the pages (`src/web/*`) into `dist/web/`: one bundled, minified script and stylesheet per page, and its
 * HTML shell (the shell every page shares, `src/web/shared/page.html`, with the page's own head and body). Runs by itself before `npm start`, `npm test` and `npm run demo`, and on `npm ci` (prepare); takes
 * well under a second. `--check` prints each page's gzipped weight against its budget and fails past it.
 *
 * Every asset (script, style, language, icon, the courier app's decoder and its WebAssembly) is written under a name
 * that carries a digest of its content, `<name>.<digest>.<ext>`, served as `/assets/<that name>` and kept by browsers
 * for a year (src/http/pages.ts): a new build is new names. What names them is built after them: the HTML shells
 * (`{asset:<name>}` in a page's HTML), the web app manifests, and the scripts and service workers that load assets
 * themselves (through `BUILT_ASSETS`, src/web/shared/assets.ts). Shells, manifests and service workers keep their
 * fixed addresses. The previous build's assets stay beside the new ones (a page loaded before a deploy still finds its
 * assets); older ones are removed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { build, type BuildOptions } from 'esbuild';
import sharp from 'sharp';

const ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(ROOT, 'dist/web');

interface PageEntry {
  name: string;
  script: string;
  style: string;
  /** What the page's own script and style may weigh gzipped (issue budget). */
  budgetKb: number;
  /** The page's service worker (built to `<name>-sw.js`): an app's offline shell, Web Push's notifications. */
  worker?: string;
  /** An installable app's parts: its web app manifest and its icon (an SVG, also rendered as the PNGs installers want). */
  app?: { manifest: string; icon: string };
  /**
   * The page's words in the languages it does not bundle: each catalog (source file) an ES module of its own,
   * `<name>.js`, which the page imports only when it is shown in that language. The budget counts the page with the
   * heaviest of them, as a browser loads it.
   */
  languages?: Record<string, string>;
}

/** Each page: its entry points and budget. */
const PAGES = [
  {
    name: 'track',
    script: 'src/web/track/main.ts',
    style: 'src/web/track/track.css',
    budgetKb: 150,
    worker: 'src/web/track/sw.ts',
    languages: { 'track-zh-hk': 'src/web/track/i18n/zh-HK.ts', 'track-ar': 'src/web/track/i18n/ar.ts' },
  },
  { name: 'dashboard', script: 'src/web/dashboard/main.tsx', style: 'src/web/dashboard/dashboard.css', budgetKb: 400 },
  {
    name: 'courier',
    script: 'src/web/courier/main.tsx',
    style: 'src/web/courier/courier.css',
    budgetKb: 250,
    worker: 'src/web/courier/sw.ts',
    app: { manifest: 'src/web/courier/manifest.webmanifest', icon: 'src/web/courier/icon.svg' },
  },
  {
    name: 'portal',
    script: 'src/web/portal/main.tsx',
    style: 'src/web/portal/portal.css',
    budgetKb: 150,
    worker: 'src/web/portal/sw.ts',
    // The manifest is a template: the server fills in each tenant's portal address (src/http/pages.ts).
    app: { manifest: 'src/web/portal/manifest.webmanifest', icon: 'src/web/portal/icon.svg' },
  },
] as const satisfies readonly PageEntry[];

/** The PNG sizes of an app's icon: what Android's installer and iOS's home screen ask for. */
const ICON_SIZES = [192, 512];

const common: BuildOptions = {
  bundle: true,
  minify: true,
  // No source maps: served beside the scripts they would hand anyone the pages' full sources, comments included.
  sourcemap: false,
  // Safari 14.1 rather than 14: esbuild cannot lower destructuring for 14.0, which the code and socket.io-client use.
  target: ['es2020', 'chrome90', 'safari14.1', 'firefox90'],
  logLevel: 'warning',
  legalComments: 'none',
};

export type PageName = (typeof PAGES)[number]['name'];

/**
 * The courier app's barcode decoder (src/web/courier/zxing-decoder.ts): a script and its WebAssembly, assets of
 * their own that the app fetches only when its camera opens, so they count against a budget of their own and not
 * the app's. Nearly all of it is the WebAssembly (ZXing-C++'s reader).
 */
const DECODER = { name: 'courier-decoder', script: 'src/web/courier/zxing-decoder.ts', budgetKb: 520 } as const;

/** The digest an asset's name carries: the first 10 hex digits of its SHA-256. */
const DIGEST_LENGTH = 10;

/** Each built asset's served address by its plain name (`dashboard.js` -> `/assets/dashboard.3f9a1c2b7d.js`). */
export type AssetUrls = Record<string, string>;

/**
 * Writes `file` whole or not at all (a temporary file renamed over it): a node serving dist/web while the pages are
 * built again (a test building its page while another test's browser loads it) never sends half a script.
 */
function writeAtomic(file: string, contents: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(temporary, contents);
  fs.renameSync(temporary, file);
}

/** esbuild, its output files written by {@link writeAtomic} (under their names as esbuild gives them). */
async function bundle(options: BuildOptions): Promise<void> {
  const result = await build({ ...options, write: false });
  for (const output of result.outputFiles) writeAtomic(output.path, output.contents);
}

/** esbuild, each output file written as an asset ({@link writeAsset}) into its `outdir`. */
async function bundleAssets(options: BuildOptions & { outdir: string }, urls: AssetUrls): Promise<void> {
  const result = await build({ ...options, write: false });
  for (const output of result.outputFiles) writeAsset(options.outdir, path.basename(output.path), output.contents, urls);
}

/**
 * Writes an asset under its content's name (`<name>.<digest>.<ext>`) into `out`, and records its address in `urls`.
 * A name already there holds these very bytes, and is left as it is.
 */
function writeAsset(out: string, name: string, contents: Uint8Array, urls: AssetUrls): string {
  const extension = path.extname(name);
  const digest = createHash('sha256').update(contents).digest('hex').slice(0, DIGEST_LENGTH);
  const file = `${name.slice(0, -extension.length)}.${digest}${extension}`;
  if (!fs.existsSync(path.join(out, file))) writeAtomic(path.join(out, file), contents);
  urls[name] = `/assets/${file}`;
  return file;
}

/** The file an asset's address names. */
const fileOf = (url: string): string => url.slice('/assets/'.length);

/** `{asset:<name>}` in `text` replaced by the asset's address. */
function putAssets(text: string, urls: AssetUrls, source: string): string {
  return text.replace(/\{asset:([a-z0-9.-]+)\}/g, (_marker, name: string) => {
    const url = urls[name];
    if (!url) throw new Error(`${source} names an asset the build has not made: ${name}`);
    return url;
  });
}

/**
 * Records what a build of `name` (a page, or the decoder) wrote into `out` (`<name>.assets.json`): this build's
 * files and the previous build's. The previous build's stay, so a page a browser loaded before the build still finds
 * its assets; the ones of the build before that are removed. A build of unchanged sources changes nothing.
 */
function keepBuilt(out: string, name: string, files: string[]): void {
  const record = path.join(out, `${name}.assets.json`);
  let before: { current: string[]; previous: string[] } = { current: [], previous: [] };
  try {
    before = JSON.parse(fs.readFileSync(record, 'utf8')) as typeof before;
  } catch {
    // the first build here
  }
  // Builds before assets had digests wrote them under their plain names.
  for (const file of files) fs.rmSync(path.join(out, file.replace(/\.[0-9a-f]{10}(\.[a-z]+)$/, '$1')), { force: true });
  const current = [...new Set(files)].sort();
  if (JSON.stringify(current) === JSON.stringify(before.current)) return;
  const kept = new Set([...current, ...before.current]);
  for (const file of before.previous) if (!kept.has(file)) fs.rmSync(path.join(out, file), { force: true });
  writeAtomic(record, `${JSON.stringify({ current, previous: before.current }, null, 2)}\n`);
}

/** A build's gzipped weight against its budget. */
export interface BuiltWeight {
  name: string;
  /** What counts against the budget: a page's script and style, with its heaviest language when it has several. */
  gzippedKb: number;
  budgetKb: number;
  /** A page's script and style alone, and each of its languages' own weight besides (see {@link PageEntry.languages}). */
  parts?: { pageKb: number; languages: Record<string, number> };
  /** The addresses of what the build wrote, by plain name (`track.css` -> `/assets/track.<digest>.css`). */
  urls: AssetUrls;
}

/** Builds one page into dist/web; returns its scripts' and styles' gzipped weight and budget. */
export async function buildPage(name: PageName): Promise<BuiltWeight> {
  const page: PageEntry = PAGES.find((candidate) => candidate.name === name)!;
  fs.mkdirSync(OUT, { recursive: true });
  // Maps an earlier build left behind go too.
  for (const file of fs.readdirSync(OUT)) if (file.startsWith(`${page.name}.`) && file.endsWith('.map')) fs.rmSync(path.join(OUT, file));
  const urls: AssetUrls = {};
  const languages = page.languages ?? {};
  if (Object.keys(languages).length > 0) {
    // ES modules, so the page's `import()` takes them as they are (the page itself stays a classic script).
    const entryPoints = Object.fromEntries(Object.entries(languages).map(([chunk, source]) => [chunk, path.join(ROOT, source)]));
    // UTF-8: a module is always read as UTF-8, and Chinese or Arabic escaped as \uXXXX would weigh twice as much.
    await bundleAssets({ ...common, entryPoints, outdir: OUT, format: 'esm', charset: 'utf8' }, urls);
  }
  // The courier app loads its decoder itself (when the camera first opens), so it is built first, for its names.
  if (page.name === 'courier') Object.assign(urls, (await buildDecoder()).urls);
  if (page.app) await buildIcons(page.name, page.app, urls);
  // What the page loads by itself (its languages, the decoder), by name.
  const loaded = { ...urls };
  await bundleAssets(
    {
      ...common,
      entryPoints: { [page.name]: path.join(ROOT, page.script) },
      outdir: OUT,
      format: 'iife',
      jsx: 'automatic',
      jsxImportSource: 'preact',
      define: { 'process.env.NODE_ENV': '"production"', BUILT_ASSETS: JSON.stringify(loaded) },
    },
    urls,
  );
  await bundleAssets(
    {
      ...common,
      entryPoints: { [page.name]: path.join(ROOT, page.style) },
      outdir: OUT,
      loader: { '.png': 'dataurl', '.svg': 'dataurl' },
    },
    urls,
  );
  const html = pageShell(page.name, urls);
  if (page.app) writeAtomic(path.join(OUT, `${page.name}.webmanifest`), putAssets(fs.readFileSync(path.join(ROOT, page.app.manifest), 'utf8'), urls, page.app.manifest));
  if (page.worker) await buildWorker(page.name, page.worker, urls, html);
  // The shell last: it names the assets, which are all there once it is.
  writeAtomic(path.join(OUT, `${page.name}.html`), html);
  keepBuilt(OUT, page.name, Object.entries(urls).filter(([plain]) => !plain.startsWith(`${DECODER.name}.`)).map(([, url]) => fileOf(url)));
  const files = (...names: string[]): string[] => names.map((plain) => fileOf(urls[plain]!));
  const pageKb = gzippedKb(files(`${page.name}.js`, `${page.name}.css`));
  if (!page.languages) return { name: page.name, gzippedKb: pageKb, budgetKb: page.budgetKb, urls };
  const weights = Object.fromEntries(Object.keys(languages).map((chunk) => [chunk, gzippedKb(files(`${chunk}.js`))]));
  const heaviest = Math.max(...Object.values(weights));
  return { name: page.name, gzippedKb: round(pageKb + heaviest), budgetKb: page.budgetKb, parts: { pageKb, languages: weights }, urls };
}

/** The gzipped weight of built files (of dist/web), in KB to one decimal. */
function gzippedKb(files: string[], out = OUT): number {
  const bytes = files.map((file) => zlib.gzipSync(fs.readFileSync(path.join(out, file)), { level: 9 }).length).reduce((sum, size) => sum + size, 0);
  return round(bytes / 1024);
}

function round(kb: number): number {
  return Math.round(kb * 10) / 10;
}

/**
 * A page's service worker, at its fixed address: it is handed the page's assets' names (`BUILT_ASSETS`), and carries
 * a digest of the page's shell (`BUILD_ID`), which names them all: each build is a new worker to the browser, which
 * then replaces what an app's worker cached of the shell and assets.
 */
async function buildWorker(name: string, worker: string, urls: AssetUrls, html: string): Promise<void> {
  await bundle({
    ...common,
    entryPoints: { [`${name}-sw`]: path.join(ROOT, worker) },
    outdir: OUT,
    format: 'iife',
    define: { BUILD_ID: JSON.stringify(createHash('sha256').update(html).digest('hex').slice(0, 16)), BUILT_ASSETS: JSON.stringify(urls) },
  });
}

/** An installable app's icons: its SVG, and the PNGs installers want rendered from it. */
async function buildIcons(name: string, app: NonNullable<PageEntry['app']>, urls: AssetUrls): Promise<void> {
  const icon = fs.readFileSync(path.join(ROOT, app.icon));
  writeAsset(OUT, `${name}-icon.svg`, icon, urls);
  for (const size of ICON_SIZES) {
    const png = await sharp(icon, { density: Math.ceil((72 * size) / 512) * 2 })
      .resize(size, size)
      .png()
      .toBuffer();
    writeAsset(OUT, `${name}-icon-${size}.png`, png, urls);
  }
}

/** The shared shell with the page's assets, and its own head and body (`src/web/<page>/index.html`) put in. */
function pageShell(name: string, urls: AssetUrls): string {
  const own = fs.readFileSync(path.join(ROOT, `src/web/${name}/index.html`), 'utf8');
  const part = (tag: 'head' | 'body'): string[] => {
    const found = new RegExp(`<${tag}>\\n([\\s\\S]*?)\\n</${tag}>`).exec(own);
    if (!found) throw new Error(`src/web/${name}/index.html has no <${tag}> part`);
    return found[1]!.split('\n');
  };
  // Each part takes the place (and the indentation) of its marker line.
  const put = (html: string, marker: string, lines: string[]): string =>
    html.replace(new RegExp(`^( *)<!-- ${marker} -->$`, 'm'), (_line, indent: string) => lines.map((line) => indent + line.replace(/^ {2}/, '')).join('\n'));
  const shell = fs.readFileSync(path.join(ROOT, 'src/web/shared/page.html'), 'utf8').replaceAll('{page}', name);
  return putAssets(put(put(shell, 'page head', part('head')), 'page body', part('body')), urls, `src/web/${name}/index.html`);
}

/**
 * Builds the courier app's decoder into `out` (default dist/web): its script, and the WebAssembly the
 * `barcode-detector` package was built against (checked by its SHA-256: a mismatched module fails at run time
 * only, on a courier's phone), whose name the script is handed. Returns their gzipped weight, budget and addresses.
 */
export async function buildDecoder(out = OUT): Promise<BuiltWeight> {
  fs.mkdirSync(out, { recursive: true });
  // The package's own zxing-wasm (node_modules may hold another version elsewhere).
  const ponyfill = require.resolve('barcode-detector/ponyfill');
  const wasm = createRequire(ponyfill).resolve('zxing-wasm/reader/zxing_reader.wasm');
  const bytes = fs.readFileSync(wasm);
  const expected = (require(ponyfill) as { ZXING_WASM_SHA256: string }).ZXING_WASM_SHA256;
  if (createHash('sha256').update(bytes).digest('hex') !== expected) {
    throw new Error(`${wasm} is not the WebAssembly barcode-detector was built against (SHA-256 ${expected})`);
  }
  const urls: AssetUrls = {};
  writeAsset(out, `${DECODER.name}.wasm`, bytes, urls);
  await bundleAssets(
    {
      ...common,
      entryPoints: { [DECODER.name]: path.join(ROOT, DECODER.script) },
      outdir: out,
      format: 'iife',
      define: { BUILT_ASSETS: JSON.stringify({ ...urls }) },
    },
    urls,
  );
  const files = Object.values(urls).map(fileOf);
  keepBuilt(out, DECODER.name, files);
  return { name: DECODER.name, gzippedKb: gzippedKb(files, out), budgetKb: DECODER.budgetKb, urls };
}

/** Builds every page and the courier app's decoder; returns each one's gzipped weight and budget. */
export async function buildPages(): Promise<BuiltWeight[]> {
  const sizes = [];
  for (const page of PAGES) sizes.push(await buildPage(page.name));
  sizes.push(await buildDecoder());
  return sizes;
}

if (require.main === module) {
  buildPages().then(
    (sizes) => {
      const check = process.argv.includes('--check');
      let over = false;
      for (const size of sizes) {
        if (size.gzippedKb > size.budgetKb) over = true;
        if (!check) continue;
        const parts = size.parts
          ? ` = page ${size.parts.pageKb} KB + its heaviest language; ${Object.entries(size.parts.languages)
              .map(([chunk, kb]) => `${chunk} ${kb} KB`)
              .join(', ')}`
          : '';
        process.stdout.write(`${size.name}: ${size.gzippedKb} KB gzipped (budget ${size.budgetKb} KB)${parts}\n`);
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
