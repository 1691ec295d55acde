import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { narrowToOwner, PRIVATE_FILE_MODE, privateDir } from './private-files';

/**
 * The JWT secret kept in the data directory, created on first start. Nodes sharing the directory race to
 * create it; exclusive creation means exactly one wins and the others read its value.
 */
export function loadOrCreateJwtSecret(dataDir: string): string {
  privateDir(dataDir);
  const file = path.join(dataDir, 'jwt-secret');
  try {
    fs.writeFileSync(file, randomBytes(48).toString('base64url'), { flag: 'wx', mode: PRIVATE_FILE_MODE });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Made by another node, or by an older version that left it readable to others.
    narrowToOwner(file);
  }
  // A reader can see the file between its creation and its write: wait for the content.
  for (let attempt = 0; attempt < 100; attempt++) {
    const secret = fs.readFileSync(file, 'utf8').trim();
    if (secret.length >= 32) return secret;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
  throw new Error(`${file} holds no usable secret`);
}

/** A fresh platform admin token, for a node started without ADMIN_TOKEN. */
export function generateAdminToken(): string {
  return `adm_${randomBytes(24).toString('base64url')}`;
}
