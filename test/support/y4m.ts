/**
 * Video for Chromium's fake camera (`--use-file-for-fake-video-capture=<file>.y4m`): pictures (a label's codes) laid
 * on a plain frame and written as YUV4MPEG2, the uncompressed format Chromium plays from a file, over and over. A
 * page that opens the camera then sees those pictures as a courier's phone would see a label held up to it.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { runOk } from './command';
import { removeDir, tempDir } from './temp-dir';

/** A picture in a frame: any image sharp reads, scaled to `width` pixels wide, its top left corner at `left`, `top`. */
export interface Picture {
  image: Buffer;
  left: number;
  top: number;
  width: number;
}

export interface VideoOptions {
  /** Even sizes: 4:2:0 halves both. Default 640 × 480, a webcam's usual size. */
  width?: number;
  height?: number;
  /** Frames a second; default 10. */
  fps?: number;
  /** How many frames each scene lasts; default 5 (half a second at 10 frames a second). */
  framesPerScene?: number;
  /** The frame's colour behind the pictures; default white, as the paper around a label. */
  background?: string;
}

/**
 * Writes `scenes` (each a frame's pictures) to `file` as a YUV4MPEG2 video, one scene after the other; Chromium
 * loops it, so a page sees every scene again and again.
 */
export async function writeCameraVideo(file: string, scenes: Picture[][], options: VideoOptions = {}): Promise<void> {
  const { width = 640, height = 480, fps = 10, framesPerScene = 5, background = '#ffffff' } = options;
  if (width % 2 !== 0 || height % 2 !== 0) throw new Error(`a 4:2:0 video needs even sizes, not ${width} × ${height}`);
  const frames: Buffer[] = [];
  for (const scene of scenes) {
    const layers = await Promise.all(
      scene.map(async (picture) => ({ input: await sharp(picture.image).resize({ width: picture.width }).png().toBuffer(), left: picture.left, top: picture.top })),
    );
    const rgb = await sharp({ create: { width, height, channels: 3, background } }).composite(layers).removeAlpha().raw().toBuffer();
    const frame = yuv420(rgb, width, height);
    for (let repeat = 0; repeat < framesPerScene; repeat++) frames.push(Buffer.from('FRAME\n'), frame);
  }
  // C420jpeg: 4:2:0 with the chroma sample centred between its four pixels, as the averaging below takes it.
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([header, ...frames]));
}

/**
 * Packed RGB to planar Y'CbCr 4:2:0 (the Y plane, then Cb, then Cr at a quarter of the size), ITU-R BT.601 with
 * studio swing (Y' 16-235, chroma 16-240): what Chromium takes an unlabelled I420 frame to be.
 */
export function yuv420(rgb: Buffer, width: number, height: number): Buffer {
  const out = Buffer.alloc(width * height * 1.5);
  const chromaWidth = width / 2;
  const cbAt = width * height;
  const crAt = cbAt + (width * height) / 4;
  const clamp = (value: number): number => Math.max(0, Math.min(255, Math.round(value)));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 3;
      out[y * width + x] = clamp(16 + (65.481 * rgb[at]! + 128.553 * rgb[at + 1]! + 24.966 * rgb[at + 2]!) / 255);
    }
  }
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      let red = 0;
      let green = 0;
      let blue = 0;
      for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [1, 1]] as const) {
        const at = ((y + dy) * width + x + dx) * 3;
        red += rgb[at]! / 4;
        green += rgb[at + 1]! / 4;
        blue += rgb[at + 2]! / 4;
      }
      const chroma = (y / 2) * chromaWidth + x / 2;
      out[cbAt + chroma] = clamp(128 + (-37.797 * red - 74.203 * green + 112 * blue) / 255);
      out[crAt + chroma] = clamp(128 + (112 * red - 93.786 * green - 18.214 * blue) / 255);
    }
  }
  return out;
}

/**
 * The bottom of a shipping label (API.md "Labels"), where its QR code and Code 128 barcode are, as a PNG: the PDF's
 * first page rendered by poppler's pdftoppm at 200 dpi, as a phone held over the label would frame it. The strip's
 * height follows src/labels/label-pdf.ts: above the 14-point margin, the id's line, the Code 128 barcode and the QR
 * code over it take 180 points of the 432-point page.
 */
export async function labelCodesPicture(pdf: Buffer): Promise<Buffer> {
  const dir = tempDir('label-picture-');
  try {
    const file = path.join(dir, 'label.pdf');
    fs.writeFileSync(file, pdf);
    await runOk(`pdftoppm -r 200 -png -f 1 -l 1 -singlefile '${file}' '${path.join(dir, 'label')}'`);
    const page = sharp(fs.readFileSync(path.join(dir, 'label.png')));
    const { width, height } = await page.metadata();
    const strip = Math.round((height * 190) / 432);
    return await page.extract({ left: 0, top: height - strip, width, height: strip }).png().toBuffer();
  } finally {
    removeDir(dir);
  }
}
