import { z } from 'zod';
import { exportedDeliveryLine } from './delivery-wire';
import { customerSchema, loyaltyResponse, orderWithHistoryResponse, preferencesResponse } from './schemas';

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
  customer: customerSchema,
  preferences: preferencesResponse.omit({ customer_id: true }).nullable(),
  loyalty: loyaltyResponse,
  orders: z.array(orderWithHistoryResponse).describe('newest first'),
  notifications: z.array(exportedDeliveryLine).describe('the delivery log of those orders'),
});
