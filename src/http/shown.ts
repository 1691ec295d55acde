import type { z } from 'zod';

/**
 * What an answer shows of a record: the fields its response schema declares, taken from `value`, in the schema's
 * order. A record carries more than the API shows (its tenant, its secrets, the queue job that carries it); none of
 * that reaches the wire, and the schema stays the one list of what does.
 */
export function shown<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>, value: z.input<z.ZodObject<Shape>>): z.input<z.ZodObject<Shape>> {
  const fields: Partial<Record<string, unknown>> = value;
  const picked: Partial<Record<string, unknown>> = {};
  for (const name of Object.keys(schema.shape)) picked[name] = fields[name];
  return picked as z.input<z.ZodObject<Shape>>;
}
