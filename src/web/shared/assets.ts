/**
 * The built assets' addresses. Each asset's name carries a digest of its content (`/assets/track-ar.3f9a1c2b7d.js`),
 * so browsers keep it for a year and a new build is new names; the build (src/web/build.ts) hands a script the
 * addresses of the assets it loads itself as `BUILT_ASSETS`.
 */
declare const BUILT_ASSETS: Readonly<Record<string, string>>;

/** The address of the built asset by its plain name (`track-ar.js`, `courier-decoder.wasm`). */
export function assetUrl(name: string): string {
  const url = BUILT_ASSETS[name];
  if (!url) throw new Error(`the build made no asset ${name}`);
  return url;
}
