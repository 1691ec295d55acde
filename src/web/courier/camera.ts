/**
 * The courier app's camera scanner (API.md "The courier app"): the rear camera shown full size in a host element,
 * read for a label's QR code or Code 128 barcode (both carry the order id, API.md "Labels") a few times a second.
 * The browser's own BarcodeDetector reads them where it has one that knows both formats (Chrome on Android, for
 * one); elsewhere the ZXing decoder does, an asset of its own (zxing-decoder.ts) fetched the first time the camera
 * opens, so that the app's bundle stays small and a courier who types codes never downloads it.
 */
import { assetUrl } from '../shared/assets';
// Types only: the decoder itself is never part of the app's bundle.
import type { BarcodeFormat } from 'barcode-detector/ponyfill';
import type { Decoder } from './zxing-decoder';

/** An open camera; `stop` turns it off (the phone's camera light goes out) and removes the video. */
export interface Scanner {
  stop(): void;
}

export interface ScannerOptions {
  /** Where the video goes; it fills the element, which the app sizes. */
  host: HTMLElement;
  /** Called once for each distinct code read while the scanner is open. */
  onCode: (text: string) => void;
}

/** A BarcodeDetector as the browser's and the ponyfill's both are, narrowed to what the scanner uses. */
interface Detector {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}
interface DetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<readonly string[]>;
}

/** What the labels carry (API.md "Labels"). */
const FORMATS: BarcodeFormat[] = ['qr_code', 'code_128'];
/**
 * How long between reads of the video. A read takes some 20-60 ms of a phone's main thread with the ZXing decoder;
 * five a second find a label as soon as it is held still, and leave the rest of the time to the app.
 */
const SCAN_EVERY_MS = 200;
/** The decoder asset (src/web/build.ts builds it, and names its WebAssembly in it). */
const DECODER_SCRIPT = 'courier-decoder.js';

/**
 * Opens the rear camera in `host` and reads codes from it until `stop`. A code is reported once per opening: a
 * label held in view is not a stream of scans; to read the same code again, the app opens the scanner again.
 * Rejects with getUserMedia's DOMException when there is no camera to have (`NotAllowedError`: the courier or the
 * browser said no; `NotFoundError`: no camera; `NotReadableError`: another app holds it), `NotSupportedError`
 * when the browser gives pages no camera at all (or the page is not served over HTTPS), and `NetworkError` when
 * the decoder could not be loaded; the camera is off again whenever it rejects.
 */
export async function openScanner({ host, onCode }: ScannerOptions): Promise<Scanner> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new DOMException('This browser gives the page no camera.', 'NotSupportedError');
  }
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  const video = document.createElement('video');
  // Muted and inline: iPhones play nothing else without a tap, and would open their own full-screen player.
  video.muted = true;
  video.playsInline = true;
  // Styles set from script (the pages' CSP allows no inline style attribute).
  Object.assign(video.style, { display: 'block', width: '100%', height: '100%', objectFit: 'cover' });
  video.srcObject = stream;
  let detector: Detector;
  try {
    host.append(video);
    [detector] = await Promise.all([createDetector(), video.play()]);
  } catch (error) {
    turnOff(stream, video);
    throw error;
  }

  const reported = new Set<string>();
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const scan = async (): Promise<void> => {
    const codes = await read(detector, video);
    if (stopped) return;
    timer = setTimeout(scan, SCAN_EVERY_MS);
    for (const text of codes) {
      if (reported.has(text)) continue;
      reported.add(text);
      onCode(text);
      if (stopped) return;
    }
  };
  timer = setTimeout(scan, 0);

  return {
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      turnOff(stream, video);
    },
  };
}

/** The codes in the video's current frame; none while it has no frame yet or when this one cannot be read. */
async function read(detector: Detector, video: HTMLVideoElement): Promise<string[]> {
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) return [];
  try {
    return (await detector.detect(video)).map((code) => code.rawValue).filter((text) => text.length > 0);
  } catch {
    // A frame the detector gives up on (the camera between two frames, a decoder hiccup) is skipped: the next
    // read, a fifth of a second later, has a fresh frame.
    return [];
  }
}

function turnOff(stream: MediaStream, video: HTMLVideoElement): void {
  for (const track of stream.getTracks()) track.stop();
  video.srcObject = null;
  video.remove();
}

/** The browser's own detector when it reads both formats, else the ZXing decoder (fetched on first use). */
async function createDetector(): Promise<Detector> {
  const native = (window as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (native && (await readsLabels(native))) return new native({ formats: FORMATS });
  const decoder = await loadDecoder();
  try {
    await decoder.ready();
  } catch (error) {
    throw new DOMException(`The barcode decoder could not be started: ${(error as Error).message}`, 'NetworkError');
  }
  return new decoder.BarcodeDetector({ formats: FORMATS });
}

async function readsLabels(detector: DetectorClass): Promise<boolean> {
  try {
    const formats = await detector.getSupportedFormats();
    return FORMATS.every((format) => formats.includes(format));
  } catch {
    // A detector that cannot say what it reads is taken to read nothing: the ZXing decoder reads for it.
    return false;
  }
}

let decoderScript: Promise<Decoder> | null = null;

/** The decoder asset's script, added to the page once; after a failure the next call tries again. */
function loadDecoder(): Promise<Decoder> {
  decoderScript ??= new Promise<Decoder>((resolve, reject) => {
    if (window.courierDecoder) return resolve(window.courierDecoder);
    const script = document.createElement('script');
    script.src = assetUrl(DECODER_SCRIPT);
    script.async = true;
    script.onload = () =>
      window.courierDecoder ? resolve(window.courierDecoder) : reject(new DOMException('The barcode decoder did not start.', 'NetworkError'));
    script.onerror = () => {
      script.remove();
      reject(new DOMException('The barcode decoder could not be loaded.', 'NetworkError'));
    };
    document.head.append(script);
  }).catch((error: unknown) => {
    decoderScript = null;
    throw error;
  });
  return decoderScript;
}
