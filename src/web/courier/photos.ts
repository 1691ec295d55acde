/**
 * Pictures for a proof of delivery, made small on the device before they are kept: a phone camera's 12-megapixel
 * photo becomes a JPEG of at most 2048 px a side (the server fits pictures into 2048 px anyway), so the outbox in
 * IndexedDB stays small and the upload is quick on a weak network.
 */
export const MAX_PHOTO_PX = 2048;
const JPEG_QUALITY = 0.85;

/** `file` as a JPEG of at most {@link MAX_PHOTO_PX} a side, turned upright as its EXIF orientation says. */
export async function downscalePhoto(file: Blob): Promise<Blob> {
  const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  const scale = Math.min(1, MAX_PHOTO_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return canvasBlob(canvas, 'image/jpeg', JPEG_QUALITY);
}

/** A canvas's picture as a Blob of `type`. */
export function canvasBlob(canvas: HTMLCanvasElement, type: string, quality?: number): Promise<Blob> {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the picture could not be made'))), type, quality);
  });
}
