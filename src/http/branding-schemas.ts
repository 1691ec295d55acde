import { z } from 'zod';
import { LOCALES } from '../domain/locale';
import { MESSAGE_SUBJECTS } from '../domain/message';
import { customerSchema, id } from './schemas';

/** `#rrggbb`, kept lower case. */
const color = z
  .string()
  .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb')
  .transform((value) => value.toLowerCase());

/** `PUT /v1/tenants/me/branding`: the whole branding, replaced. */
export const brandingBody = z.strictObject({
  display_name: z.string().trim().min(1).max(100),
  logo: id.nullable().describe('an image the business uploaded (POST /v1/attachments) that no delivery uses; null: no logo'),
  primary_color: color,
  support_email: customerSchema.shape.email.unwrap().nullable().default(null),
  support_phone: customerSchema.shape.phone.unwrap().nullable().default(null),
});

export const brandingResponse = z.object({
  display_name: z.string(),
  logo: z.string().nullable(),
  logo_url: z.string().nullable().describe('the logo for an <img>, without a token; it never changes while the logo stays'),
  primary_color: z.string(),
  support_email: z.string().nullable(),
  support_phone: z.string().nullable(),
});

export const localeSchema = z.enum(LOCALES);
export const messageSubjectSchema = z.enum(MESSAGE_SUBJECTS);

// Bounds on each part's source: far beyond a real message, well short of what would slow a render.
const part = (max: number) => z.string().min(1).max(max);

/** `PUT /v1/tenants/me/templates/:locale/:subject`: Liquid sources by part; at least one. */
export const templateBody = z
  .strictObject({
    subject: part(1000).optional(),
    text: part(20_000).optional(),
    html: part(100_000).optional().describe("the email's content inside the branded layout; values are HTML-escaped"),
    sms: part(2000).optional(),
    push: z
      .strictObject({ title: part(500).optional(), body: part(2000).optional() })
      .refine((push) => push.title !== undefined || push.body !== undefined, { message: 'must give a title or a body' })
      .optional(),
  })
  .refine((parts) => Object.keys(parts).length > 0, { message: 'must give at least one part: subject, text, html, sms or push' });

export const templateResponse = z.object({
  locale: localeSchema,
  subject: messageSubjectSchema,
  parts: z.object({
    subject: z.string().optional(),
    text: z.string().optional(),
    html: z.string().optional(),
    sms: z.string().optional(),
    push: z.object({ title: z.string().optional(), body: z.string().optional() }).optional(),
  }),
  updated_at: z.string(),
});

export const templateListResponse = z.object({ items: z.array(templateResponse) });

/** `POST /v1/tenants/me/templates/preview`. */
export const previewBody = z.strictObject({
  locale: localeSchema,
  subject: messageSubjectSchema,
  order_id: id.optional().describe('an order of the tenant; without it, sample values'),
});

export const previewResponse = z.object({
  locale: localeSchema,
  subject: z.string().describe("the email's subject"),
  text: z.string(),
  html: z.string(),
  sms: z.string(),
  push: z.object({ title: z.string(), body: z.string() }),
  fallbacks: z.array(z.string()).describe("parts of the tenant's template that failed to render: their built-in texts are shown"),
});
