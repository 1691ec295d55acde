import type { Binary } from 'mongodb';
import type { Attachment } from './port';

/** An attachment's document: its fields, `_id` its id, and its bytes (BSON binary once stored). */
export interface AttachmentDocument extends Omit<Attachment, 'id'> {
  _id: string;
  data: Uint8Array | Binary;
}
