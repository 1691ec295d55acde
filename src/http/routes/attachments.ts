import { z } from 'zod';
import { ValidationError } from '../../domain/errors';
import { ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES, type AttachmentContent, type AttachmentType } from '../../services/attachment-service';
import { readBytes } from '../body';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';

const [FIRST_TYPE, ...OTHER_TYPES] = Object.keys(ATTACHMENT_TYPES) as AttachmentType[];

export const attachmentResponse = z.object({
  id: z.string(),
  content_type: z.enum(Object.keys(ATTACHMENT_TYPES) as [AttachmentType, ...AttachmentType[]]),
  bytes: z.number().int().describe('length of the stored, re-encoded image'),
  sha256: z.string().describe('hex SHA-256 of the stored bytes'),
  created_at: z.string(),
});

const signedQuery = z.strictObject({
  exp: z.coerce.number().int().positive().optional(),
  sig: z.string().max(100).optional(),
});

/** Proof-of-delivery pictures: uploads, and reads by signed link or by token. */
export function attachmentRoutes({ attachments }: HttpDeps): Route[] {
  return [
    route({
      method: 'post',
      path: '/v1/attachments',
      operationId: 'uploadAttachment',
      summary:
        'Upload a picture (a signature or a photo) for a proof of delivery, at most 5 MiB: re-encoded, rotated upright, ' +
        'stripped of every metadata (EXIF, GPS) and fitted into 2048 px; bytes that are not an image of the declared type are 415',
      roles: ['courier', 'business', 'staff'],
      rawBody: {
        mediaType: FIRST_TYPE!,
        alsoMediaTypes: OTHER_TYPES,
        schema: z.string().meta({ format: 'binary' }),
        description: 'The image bytes, as the Content-Type says.',
      },
      requestHeaders: {
        'Idempotency-Key': { description: 'at most 200 characters: a repeat under the same key answers the first upload (200)' },
      },
      status: 201,
      response: attachmentResponse,
      alsoReturns: [{ status: 200, description: 'a repeat (same Idempotency-Key): the first upload' }],
      errors: [413, 415],
      handler: async ({ ctx, principal }) => {
        const key = ctx.get('idempotency-key');
        if (key.length > 200) {
          throw new ValidationError('the request is not valid', [{ path: 'Idempotency-Key', message: 'must be at most 200 characters' }]);
        }
        const body = await readBytes(ctx, ATTACHMENT_MAX_BYTES);
        const type = ctx.is(Object.keys(ATTACHMENT_TYPES)) as AttachmentType;
        const { attachment, created } = await attachments.upload(principal, type, body, key === '' ? null : key);
        const { id, content_type, bytes, sha256, created_at } = attachment;
        return { status: created ? 201 : 200, body: { id, content_type, bytes, sha256, created_at } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/attachments/:id',
      operationId: 'getAttachment',
      summary:
        "An attachment's bytes: with exp and sig (a proof's link, no token, for an hour), or with a token of whoever may " +
        'read an order it belongs to (its uploader before that)',
      roles: 'public',
      query: signedQuery,
      status: 200,
      produces: 'image/*',
      headers: { 'Cache-Control': 'private, no-store: the picture is personal data' },
      errors: [404],
      handler: async ({ params, query, authenticate }) => {
        let content: AttachmentContent;
        if (query.exp !== undefined && query.sig !== undefined) content = await attachments.readSigned(params.id, query.exp, query.sig);
        else content = await attachments.read(await authenticate(), params.id);
        return {
          headers: { 'Content-Type': content.attachment.content_type, 'Cache-Control': 'private, no-store' },
          body: content.data,
        };
      },
    }),
  ];
}
