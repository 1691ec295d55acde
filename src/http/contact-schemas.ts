import { z } from 'zod';
import { customerSchema } from './schemas';

const code = z.string().regex(/^\d{6}$/, 'must be the 6-digit code that was sent');

/**
 * `POST /v1/customers/me/contact`: the new address alone asks for a code (202); with the code it confirms (200).
 * The address is the customer record's own field (the same checks as at order placement).
 */
export const contactBody = z.union([
  z.strictObject({ email: customerSchema.shape.email.unwrap(), code: code.optional() }),
  z.strictObject({ phone: customerSchema.shape.phone.unwrap(), code: code.optional() }),
]);

/** A customer as it sees itself (API.md "Customer portal"). */
export const customerViewResponse = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  locale: z.string().nullable(),
});

/** A code is on its way (202). */
export const codeSentResponse = z.object({ expires_at: z.string() });
