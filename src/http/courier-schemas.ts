import { z } from 'zod';
import { id, orderResponse } from './schemas';

// `/v1/couriers/me` is the courier's own record: a record of that id could never be read by its path.
const courierId = id.refine((value) => value !== 'me', { message: 'must not be "me"' });
const phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15550000001');
const name = z.string().min(1).max(200);
const vehicle = z.string().min(1).max(100);

/** `POST /v1/couriers`. */
export const createCourierBody = z.strictObject({ id: courierId, name, phone: phone.optional(), vehicle: vehicle.optional() });

/** `PATCH /v1/couriers/:id`: the fields given change (null clears phone or vehicle); `active: false` refuses its tokens. */
export const updateCourierBody = z.strictObject({
  name: name.optional(),
  phone: phone.nullable().optional(),
  vehicle: vehicle.nullable().optional(),
  active: z.boolean().optional(),
});

/** `GET /v1/couriers`: by id, only the active (or inactive) ones when asked. */
export const courierListQuery = z.strictObject({
  active: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
});

export const courierResponse = z.object({
  id: z.string(),
  name: z.string(),
  phone: z.string().nullable(),
  vehicle: z.string().nullable(),
  active: z.boolean(),
  created_at: z.string(),
  /** The newest position the courier reported. */
  last_location: z.object({ lat: z.number(), lng: z.number(), at: z.string() }).nullable(),
  last_seen_at: z.string().nullable(),
  active_orders: z.number().int().describe('orders assigned to the courier that are not terminal'),
});

export const courierPageResponse = z.object({ items: z.array(courierResponse), next_cursor: z.string().nullable() });

export const courierInviteResponse = z.object({
  code: z.string(),
  url: z.string().describe('<PUBLIC_URL>/courier/#invite=<code>: the courier app signs in with it'),
  expires_at: z.string(),
});

/** `POST /v1/courier-sessions`. */
export const courierSessionBody = z.strictObject({ invite: z.string().min(1).max(200) });

export const courierSessionResponse = z.object({ token: z.string(), expires_at: z.string(), courier: courierResponse });

/** `GET /v1/couriers/me/orders`: the order resources, as a search reads them. */
export const ownOrdersResponse = z.object({ items: z.array(orderResponse) });
