import { z } from 'zod';
import { customerSchema } from './schemas';

// The portal's tenant as its address names it: a slug (`[a-z0-9-]{3,40}`), or the tenant's id while it set none.
const tenant = z.string().regex(/^[a-z0-9_-]{3,64}$/, "must be the portal's tenant: its slug");
const email = customerSchema.shape.email.unwrap();
const phone = customerSchema.shape.phone.unwrap();
const code = z.string().regex(/^\d{6}$/, 'must be the 6-digit code that was sent');

/** `POST /v1/customer-sessions/start`: the portal's tenant and the customer's email or phone. */
export const signInCodeBody = z.union([z.strictObject({ tenant, email }), z.strictObject({ tenant, phone })]);

/** `POST /v1/customer-sessions`: the same, with the code that came. */
export const customerSessionBody = z.union([z.strictObject({ tenant, email, code }), z.strictObject({ tenant, phone, code })]);

/** A customer's session: a customer token, when it expires, and whose it is. */
export const customerSessionResponse = z.object({ token: z.string(), expires_at: z.string(), customer_id: z.string() });
