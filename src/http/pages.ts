import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Context, Middleware, Next } from 'koa';
import compress from 'koa-compress';
import send from 'koa-send';
import type { Logger } from 'pino';
import type { Branding } from '../domain/branding';
import type { ThreadedBasemap } from './threaded-basemap';

export interface PagesOptions {
  /** Where the built pages are (`dist/web`, see src/web/build.ts). */
  dir: string;
  /** Cuts the tiles beside the event loop; a tile it cannot answer now is 503 `unavailable`. */
  basemap: Pick<ThreadedBasemap, 'tileJson'>;
  /**
   * Spends one request of the client address's anonymous budget (API.md "Limits (more)": the basemap's tiles count
   * against it), throwing RateLimitedError once it is spent; tiles need no credentials, so anyone may ask.
   */
  admitTile: (ctx: Context) => Promise<void>;
  /** Raster tiles for the maps (`MAP_TILE_URL`, `MAP_ATTRIBUTION`); unset: the bundled offline basemap. */
  map: { tileUrl: string | undefined; attribution: string | undefined };
  /** The dashboard's "stale" exception: no event for this many hours. */
  staleAfterHours: number;
  /** The branding of the tenant a portal address names (its installed app's name and colour); null when none. */
  portalBranding?: (slug: string) => Promise<Pick<Branding, 'display_name' | 'primary_color'> | null>;
  logger: Logger;
}

type PageName = 'track' | 'dashboard' | 'courier' | 'portal';

/**
 * The pages' own files at fixed addresses besides their shells (src/web/build.ts builds them): a service worker must
 * be served from within the scope it controls (the tracking page's shows Web Push notifications), and the courier
 * app's manifest sits beside its worker. Their icons are assets (below), named by the manifests.
 */
const APP_FILES: Record<string, { file: string; type: string; cache: string }> = {
  // Checked on every visit: a new build's worker replaces the cached shell at once.
  '/courier/sw.js': { file: 'courier-sw.js', type: 'application/javascript', cache: 'no-cache' },
  '/track/sw.js': { file: 'track-sw.js', type: 'application/javascript', cache: 'no-cache' },
  '/courier/manifest.webmanifest': { file: 'courier.webmanifest', type: 'application/manifest+json', cache: 'public, max-age=300' },
};

/**
 * A tenant's customer portal: `/portal/<slug>/`, its service worker and its manifest. A slug is `[a-z0-9-]{3,40}`
 * (API.md "Customer portal") or, by default, the tenant's id, which also holds `_`. Any such address is served: the
 * page itself asks whether the tenant exists (its branding), so the shell says nothing about which tenants do.
 */
const PORTAL_PATH = /^\/portal\/([a-z0-9_-]{3,40})(\/|\/sw\.js|\/manifest\.webmanifest)?$/;

/** Every tenant's portal worker is the same file, served within each portal's address (the scope it controls). */
const PORTAL_WORKER = { file: 'portal-sw.js', type: 'application/javascript', cache: 'no-cache' };

const TILE_PATH = /^\/basemap\/(\d{1,2})\/(\d{1,7})\/(\d{1,7})\.json$/;
// Scripts, styles, the apps' icons and the courier app's barcode decoder (WebAssembly, served as `application/wasm`
// so browsers compile it as it streams in); no source map is built or served (they would hand out the pages' full
// sources). The build names each one after its content (`dashboard.3f9a1c2b7d.js`, src/web/build.ts): such a name
// always holds the same bytes, so browsers keep it for a year and never ask again.
const ASSET_PATH = /^\/assets\/([a-z0-9-]+(\.[0-9a-f]{10})?\.(?:js|css|wasm|png|svg))$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The pages served by every HTTP node: the customer's tracking page (`/track/:order_id?token=…`), the staff
 * dashboard (`/dashboard`), the courier app (`/courier/`, with its service worker, manifest and icons), each
 * tenant's customer portal (`/portal/<slug>/`, likewise), their assets and the offline basemap's tiles. Pages are
 * static shells that talk to the public API; each is answered with a Content-Security-Policy that allows nothing but
 * this server (and the raster tile host when one is configured), and never sends the page's URL (which carries the
 * tracking token) as a referrer.
 */
export function pages(options: PagesOptions): Middleware {
  const shells = new Map<PageName, string | null>();
  const policy = contentSecurityPolicy(options.map.tileUrl);
  // The tracking page registers its service worker (Web Push notifications).
  const trackPolicy = contentSecurityPolicy(options.map.tileUrl, { worker: true });
  // The courier app also registers its service worker and links its manifest; it alone compiles WebAssembly: its
  // camera falls back on the ZXing decoder where the browser has no BarcodeDetector (src/web/courier/camera.ts).
  const appPolicy = contentSecurityPolicy(options.map.tileUrl, { app: true, webAssembly: true });
  // The customers' portal is installable too, and needs no WebAssembly.
  const portalPolicy = contentSecurityPolicy(options.map.tileUrl, { app: true });
  const shell = (name: PageName): string | null => {
    if (!shells.has(name)) shells.set(name, loadShell(options, name));
    return shells.get(name)!;
  };
  // Pages, scripts and tiles are compressed; API answers are not touched here.
  const squeeze = compress({ threshold: 1024, br: { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5 } } });

  return async (ctx: Context, next: Next): Promise<void> => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    const { path: url } = ctx;
    if (url === '/') {
      ctx.redirect('/dashboard');
      return;
    }
    if (url === '/courier') {
      ctx.redirect(`/courier/${ctx.search}`);
      return;
    }
    const portal = PORTAL_PATH.exec(url);
    if (portal && portal[2] === undefined) {
      ctx.redirect(`/portal/${portal[1]}/${ctx.search}`);
      return;
    }
    const appFile = Object.hasOwn(APP_FILES, url)
      ? APP_FILES[url]!
      : portal?.[2] === '/sw.js'
        ? PORTAL_WORKER
        : null;
    // `/track/sw.js` is the tracking page's worker, not an order's page.
    const page: PageName | null = appFile
      ? null
      : /^\/track\/[^/]{1,200}$/.test(url)
        ? 'track'
        : url === '/dashboard'
          ? 'dashboard'
          : url === '/courier/'
            ? 'courier'
            : portal?.[2] === '/'
              ? 'portal'
              : null;
    const tile = TILE_PATH.exec(url);
    const asset = ASSET_PATH.exec(url);
    const manifestOf = portal?.[2] === '/manifest.webmanifest' ? portal[1]! : null;
    if (!page && !tile && !asset && !appFile && manifestOf === null) return next();
    ctx.state.route = page
      ? page === 'portal'
        ? '/portal/:slug/'
        : `/${page}`
      : tile
        ? '/basemap/:z/:x/:y.json'
        : portal
          ? `/portal/:slug${portal[2]}`
          : appFile
            ? url
            : '/assets/:file';
    await squeeze(ctx, async () => {
      if (manifestOf !== null) {
        const manifest = portalManifest(options.dir, manifestOf, (await options.portalBranding?.(manifestOf)) ?? null);
        if (manifest === null) {
          ctx.status = 404;
          ctx.body = { error: { code: 'not_found', message: 'no such file' } };
          return;
        }
        ctx.set('X-Content-Type-Options', 'nosniff');
        ctx.set('Cache-Control', 'public, max-age=300');
        ctx.type = 'application/manifest+json';
        ctx.body = manifest;
        return;
      }
      if (page) {
        const html = shell(page);
        ctx.set('Content-Security-Policy', page === 'courier' ? appPolicy : page === 'portal' ? portalPolicy : page === 'track' ? trackPolicy : policy);
        ctx.set('Referrer-Policy', 'no-referrer');
        ctx.set('X-Content-Type-Options', 'nosniff');
        ctx.set('Cache-Control', 'no-store');
        ctx.type = 'html';
        if (html === null) {
          ctx.status = 503;
          ctx.body = '<!doctype html><title>Pages not built</title><p>The pages are not built: run <code>npm run build:web</code>.</p>';
          return;
        }
        ctx.body = html;
        return;
      }
      if (tile) {
        await options.admitTile(ctx);
        const found = await options.basemap.tileJson(Number(tile[1]), Number(tile[2]), Number(tile[3]));
        if (found === null) {
          ctx.status = 404;
          ctx.body = { error: { code: 'not_found', message: 'no such tile' } };
          return;
        }
        // A tile is the same for as long as the bundled data is: browsers keep it and never ask again.
        ctx.set('Cache-Control', 'public, max-age=2592000, immutable');
        ctx.type = 'json';
        ctx.body = found;
        return;
      }
      if (appFile) {
        const file = path.join(options.dir, appFile.file);
        if (!fs.existsSync(file)) {
          ctx.status = 404;
          ctx.body = { error: { code: 'not_found', message: 'no such file' } };
          return;
        }
        ctx.set('X-Content-Type-Options', 'nosniff');
        ctx.set('Cache-Control', appFile.cache);
        ctx.type = appFile.type;
        ctx.body = fs.createReadStream(file);
        return;
      }
      ctx.set('X-Content-Type-Options', 'nosniff');
      // A name without a digest (none the build makes now) may hold other bytes tomorrow.
      ctx.set('Cache-Control', asset![2] ? IMMUTABLE : 'public, max-age=300');
      try {
        await send(ctx, asset![1]!, { root: options.dir });
      } catch {
        ctx.status = 404;
        ctx.body = { error: { code: 'not_found', message: 'no such file' } };
      }
    });
  };
}

/**
 * The portal's web app manifest for one tenant's address: the built one (src/web/portal/manifest.webmanifest) with
 * its id, start and scope set to `/portal/<slug>/`, so an installed portal opens that tenant's, and named and coloured
 * as the shop (a name is the same in every language; the built one's words are English). Null when the pages are not
 * built.
 */
function portalManifest(dir: string, slug: string, shop: Pick<Branding, 'display_name' | 'primary_color'> | null): string | null {
  const file = path.join(dir, 'portal.webmanifest');
  if (!fs.existsSync(file)) return null;
  const home = `/portal/${slug}/`;
  const built = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  const named = shop ? { name: shop.display_name, short_name: shop.display_name, theme_color: shop.primary_color, description: undefined } : {};
  return JSON.stringify({ ...built, ...named, id: home, start_url: home, scope: home });
}

/** A page's HTML shell with the node's settings filled in (as meta tags: pages run no inline script). */
function loadShell(options: PagesOptions, name: PageName): string | null {
  const file = path.join(options.dir, `${name}.html`);
  if (!fs.existsSync(file)) {
    options.logger.warn({ file }, 'pages are not built; run npm run build:web');
    return null;
  }
  const settings: Record<string, string> = {
    'map-tile-url': options.map.tileUrl ?? '',
    'map-attribution': options.map.attribution ?? '',
    'stale-after-hours': String(options.staleAfterHours),
  };
  const meta = Object.entries(settings)
    .map(([key, value]) => `<meta name="${key}" content="${escapeAttribute(value)}">`)
    .join('\n    ');
  return fs.readFileSync(file, 'utf8').replace('<!-- settings -->', meta);
}

/**
 * Only this server, plus the raster tile host when tiles come from elsewhere. `webAssembly` lets the page compile
 * WebAssembly (`'wasm-unsafe-eval'`, which allows no JavaScript `eval`); the module itself must still come from
 * this server (`connect-src 'self'`). A page with a service worker (`worker`) may register it, and an installable app
 * (`app`) also read its manifest, both from this server.
 */
export function contentSecurityPolicy(
  tileUrl: string | undefined,
  { app = false, worker = app, webAssembly = false }: { app?: boolean; worker?: boolean; webAssembly?: boolean } = {},
): string {
  const tileOrigin = tileUrl ? ` ${new URL(tileUrl.replace(/\{[a-z]\}/g, 'a')).origin}` : '';
  return [
    "default-src 'none'",
    webAssembly ? "script-src 'self' 'wasm-unsafe-eval'" : "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${tileOrigin}`,
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(worker ? ["worker-src 'self'"] : []),
    ...(app ? ["manifest-src 'self'"] : []),
  ].join('; ');
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
