import { z } from 'zod';
import { MAX_SOURCE_BATCH, MAX_SOURCE_CODES } from '../domain/source';
import { id, latLngSchema, notInFuture, statusSchema } from './schemas';

/** The schemas of API.md "Sources": settings, the signed batches and their answers (validation + OpenAPI). */

const name = z.string().trim().min(1).max(200);
const code = z.string().min(1).max(200);

/** Their code → our status; any string is a code (the source's own), every value must be one of our statuses. */
const statusMap = z
  .record(code, statusSchema)
  .refine((map) => Object.keys(map).length <= MAX_SOURCE_CODES, { message: `must hold at most ${MAX_SOURCE_CODES} codes` });

export const sourceBody = z.strictObject({ name, status_map: statusMap });

/** A change of name and/or status map (the map is replaced whole). */
export const sourcePatchBody = z
  .strictObject({ name: name.optional(), status_map: statusMap.optional() })
  .refine((body) => body.name !== undefined || body.status_map !== undefined, { message: 'must change name or status_map' });

export const sourceEventSchema = z.strictObject({
  event_id: id,
  order: z.union([z.strictObject({ id }), z.strictObject({ external_id: id })]),
  code,
  occurred_at: notInFuture,
  location: latLngSchema.optional(),
  note: z.string().max(2000).optional(),
});

// Documented as an event, validated one by one by the route: API.md, one bad item never fails the batch.
const { $schema: _dialect, ...eventDocument } = z.toJSONSchema(sourceEventSchema, { io: 'input', unrepresentable: 'any' });

/** A signed batch: only the envelope is checked at once, each item against {@link sourceEventSchema} on its own. */
export const sourceEventsBody = z.strictObject({ events: z.array(z.unknown().meta(eventDocument)).min(1).max(MAX_SOURCE_BATCH) });

export const sourceResponse = z.object({
  id: z.string(),
  name: z.string(),
  status_map: z.record(z.string(), statusSchema),
  created_at: z.string(),
  updated_at: z.string(),
});
export const createdSourceResponse = sourceResponse.extend({
  secret: z.string().describe('whsec_<base64>: signs the source\'s batches (Standard Webhooks); shown only here'),
});
