/**
 * The courier app's barcode decoder for browsers with no BarcodeDetector of their own (or one that cannot read QR
 * codes and Code 128): the `barcode-detector` ponyfill, ZXing-C++ compiled to WebAssembly. It is an asset of its
 * own (`/assets/courier-decoder.<digest>.js`, src/web/build.ts), not part of the app's bundle: most of a megabyte
 * that only a camera scan needs, loaded by camera.ts the first time the camera opens. It puts itself on `window` for
 * that. Its WebAssembly comes from this server (`/assets/courier-decoder.<digest>.wasm`, beside this script), never
 * from the package's default CDN: the pages reach no other host, and the app must scan where only this server is reachable.
 */
import { BarcodeDetector, prepareZXingModule, purgeZXingModule } from 'barcode-detector/ponyfill';
import { assetUrl } from '../shared/assets';

/** What the decoder script hands camera.ts. */
export interface Decoder {
  BarcodeDetector: typeof BarcodeDetector;
  /** Fetches and compiles the WebAssembly (once; again after a failure); rejects when it cannot. */
  ready(): Promise<void>;
}

declare global {
  interface Window {
    courierDecoder?: Decoder;
  }
}

// Beside the script, wherever the assets are served from (the script's own address while it runs).
const WASM_URL = new URL(assetUrl('courier-decoder.wasm'), (document.currentScript as HTMLScriptElement | null)?.src ?? location.href).href;
// One object for every call: the package keeps its instance while the overrides it is handed are the same ones
// (compared key by key), and builds a new one, fetching the WebAssembly again, when they are not.
const OVERRIDES = { locateFile: (file: string, prefix: string) => (file.endsWith('.wasm') ? WASM_URL : prefix + file) };

window.courierDecoder = {
  BarcodeDetector,
  ready: async () => {
    try {
      await prepareZXingModule({ overrides: OVERRIDES, fireImmediately: true });
    } catch (error) {
      // The failed instance would be handed out again; dropping it lets the next opening of the camera retry.
      purgeZXingModule();
      throw error;
    }
  },
};
