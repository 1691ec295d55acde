import { z } from 'zod';

/** `GET /v1/privacy/audit`: a page of the audit trail. */
export const auditQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

// Response shapes, for the OpenAPI document.
export const erasureResponse = z.object({ orders: z.number().int() });

export const auditPageResponse = z.object({
  items: z.array(
    z.object({
      id: z.string(),
      action: z.enum(['export', 'erasure', 'retention']),
      customer_id: z.string().nullable(),
      orders: z.number().int(),
      actor: z.string(),
      at: z.string(),
    }),
  ),
  next_cursor: z.string().nullable(),
});

export const customerExportResponse = z.object({
  customer: z.object({ id: z.string() }).passthrough(),
  preferences: z.object({}).passthrough().nullable(),
  loyalty: z.object({ customer_id: z.string(), balance: z.number().int(), entries: z.array(z.object({}).passthrough()) }),
  orders: z.array(z.object({ id: z.string(), history: z.array(z.object({}).passthrough()) }).passthrough()),
  notifications: z.array(z.object({ order_id: z.string(), channel: z.string(), status: z.string(), seq: z.number().int() }).passthrough()),
});
