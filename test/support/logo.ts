/** A small image uploaded as an attachment (a tenant's logo, in the branding tests); fails unless 201. */
import sharp from 'sharp';
import type { Client } from './http';

export async function uploadLogo(api: Client, type: 'image/png' | 'image/webp' = 'image/png'): Promise<{ id: string; bytes: Buffer }> {
  const image = sharp({ create: { width: 80, height: 40, channels: 3, background: '#0a7c59' } });
  const raw = type === 'image/png' ? await image.png().toBuffer() : await image.webp().toBuffer();
  const uploaded = await api.post('/v1/attachments', undefined, { rawBody: raw, headers: { 'content-type': type } });
  if (uploaded.status !== 201) throw new Error(`upload failed: ${uploaded.status} ${JSON.stringify(uploaded.body)}`);
  return { id: uploaded.body.id as string, bytes: raw };
}
