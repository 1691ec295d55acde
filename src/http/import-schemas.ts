import { z } from 'zod';

/** `POST /v1/orders/import`: its limits and its answer (each line is validated as `POST /v1/orders`'s body). */

/** API.md: up to 10,000 lines. */
export const IMPORT_MAX_LINES = 10_000;
/** API.md: up to 20 MiB. */
export const IMPORT_MAX_BYTES = 20 * 1024 * 1024;

const fieldIssue = z.object({ path: z.string(), message: z.string(), code: z.string().optional() });

export const importResultsResponse = z.object({
  results: z.array(
    z.object({
      line: z.number().int().describe('1-based line number in the body (blank lines take no result but are counted)'),
      outcome: z.enum(['created', 'existing', 'rejected']),
      id: z.string().optional().describe('the order, for created and existing'),
      error: z
        .object({
          code: z.string(),
          message: z.string(),
          details: z.array(fieldIssue).optional().describe("paths relative to the line's object"),
        })
        .optional(),
    }),
  ),
});
