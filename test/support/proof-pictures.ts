/**
 * Proof-of-delivery pictures on a running node, for the privacy tests: uploads of noise (no two alike), an order
 * delivered with a photo and a signature, and everywhere the store may still hold a picture's bytes (read through the
 * store; the SQLite file and its log as raw bytes; PostgreSQL's table).
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import type { Client } from './http';
import { unique } from './ids';
import type { TestNode } from './node';
import { placeOrder, postStatus } from './orders';
import { POSTGRES_URL } from './postgres';

/** An uploaded picture: its id, the bytes the store keeps (re-encoded) and its upload time. */
export interface Picture {
  id: string;
  bytes: Buffer;
  createdAt: string;
}

/** The test's current node, the business that uploads, and the node's PostgreSQL schema (null: the SQLite file). */
export interface PictureScene {
  server: TestNode;
  biz: Client;
  schema: string | null;
}

/** The helpers over the scene `current` hands (read when each is called: the scene may be a test's own). */
export function proofPictures(current: () => PictureScene) {
  /** A picture of noise, uploaded by the business; fails unless 201. */
  async function picture(contentType: 'image/jpeg' | 'image/png'): Promise<Picture> {
    const { server, biz } = current();
    const noise = sharp({ create: { width: 48, height: 32, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 60 } } });
    const raw = contentType === 'image/png' ? await noise.png().toBuffer() : await noise.jpeg().toBuffer();
    const uploaded = await biz.post('/v1/attachments', undefined, { rawBody: raw, headers: { 'content-type': contentType } });
    expect(uploaded.status).toBe(201);
    const id = uploaded.body.id as string;
    const bytes = await server.node.parts.store.attachments.readAttachment(id);
    return { id, bytes: Buffer.from(bytes!), createdAt: uploaded.body.created_at };
  }

  /** An order (of `customer`: a new one by default) delivered with a photo and a signature. */
  async function deliveredWithProof(customer: { id: string; name: string } = { id: unique('cust'), name: `Pictured ${unique('n')}` }) {
    const { biz } = current();
    const placed = await placeOrder(biz, { customer });
    await postStatus(biz, placed.id, 'out_for_delivery');
    const photo = await picture('image/jpeg');
    const signature = await picture('image/png');
    const delivered = await biz.post(`/v1/orders/${placed.id}/status`, {
      status: 'delivered',
      proof: { photos: [photo.id], signature: signature.id, recipient_name: 'Grace' },
    });
    expect(delivered.status).toBe(200);
    return { id: placed.id, pictures: [photo, signature], updatedAt: Date.parse(delivered.body.updated_at) };
  }

  /** Which of the pictures' bytes are still anywhere the store keeps data, one line each. */
  async function storeHolds(pictures: Array<Pick<Picture, 'id' | 'bytes'>>): Promise<string[]> {
    const { server, schema } = current();
    const found: string[] = [];
    for (const { id } of pictures) {
      if (await server.node.parts.store.attachments.readAttachment(id)) found.push(`${id}: readable`);
    }
    if (schema === null) {
      for (const file of fs.readdirSync(server.dataDir).filter((name) => name.startsWith('tracking.db'))) {
        const content = fs.readFileSync(path.join(server.dataDir, file));
        // A stretch from the middle of the picture: compressed noise, found nowhere else.
        for (const { id, bytes } of pictures) if (content.includes(bytes.subarray(bytes.length / 2, bytes.length / 2 + 64))) found.push(`${file}: ${id}`);
      }
      return found;
    }
    const db = new pg.Client({ connectionString: POSTGRES_URL });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string }>(`SELECT id FROM ${schema}.attachments WHERE id = ANY($1)`, [pictures.map((picture) => picture.id)]);
      return [...found, ...rows.map((row) => `attachments: ${row.id}`)];
    } finally {
      await db.end();
    }
  }

  /** What {@link storeHolds} finds of pictures still kept: each readable, and (SQLite) its bytes in a file. */
  function heldEverywhere(found: string[], pictures: Array<Pick<Picture, 'id'>>): void {
    for (const { id } of pictures) {
      expect(found).toContain(`${id}: readable`);
      expect(found.filter((line) => line.endsWith(id) && !line.startsWith(id))).not.toEqual([]);
    }
  }

  return { picture, deliveredWithProof, storeHolds, heldEverywhere };
}
