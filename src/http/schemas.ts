import { z } from 'zod';
import { FAIL_REASONS, MAX_PROOF_PHOTOS, PROOF_PARTS } from '../domain/proof';
import { SCAN_TYPES } from '../domain/scan';
import { STATUSES } from '../domain/status';
import { LOCALES, LOYALTY_BASES, SLUG_PATTERN } from '../domain/tenant-settings';
import { isText, NOT_TEXT_MESSAGE } from '../domain/text';
import type { OrderFilter } from '../store/search/port';
import { nestsDeeperThan } from './body';
import { deliveryLine } from './delivery-wire';

// Upstream clocks drift; an event further ahead than this is a client bug, not a late-arriving fact.
const MAX_FUTURE_MS = 5 * 60 * 1000;

/** An id a client chooses (external ids, event ids, subjects). */
export const id = z.string().min(1).max(200);
// API.md: `metadata` is JSON at most 32 levels deep; `items` is free-form JSON too and gets the same bound.
const FREE_JSON_MAX_DEPTH = 32;

/** `schema`, also refusing values nested deeper than {@link FREE_JSON_MAX_DEPTH}. */
function boundedDepth<S extends z.ZodType>(schema: S): S {
  return schema.refine((value) => !nestsDeeperThan(value, FREE_JSON_MAX_DEPTH), {
    message: `must not be nested more than ${FREE_JSON_MAX_DEPTH} levels deep`,
  });
}

/** ISO 8601 with a zone, stored normalised to UTC `…Z` so stored times compare as strings. */
export const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());
/** An event's time: at most 5 minutes ahead (API.md). */
export const notInFuture = instant.refine((value) => Date.parse(value) <= Date.now() + MAX_FUTURE_MS, {
  message: 'must not be more than 5 minutes in the future',
});
// A promise further out than this is a unit mistake (seconds for milliseconds), not a delivery plan.
const MAX_PROMISE_AHEAD_MS = 2 * 366 * 24 * 3600_000;
// Past promises are fine: orders are also imported after the fact.
const promise = instant.refine((value) => Date.parse(value) <= Date.now() + MAX_PROMISE_AHEAD_MS, {
  message: 'must not be more than 2 years in the future',
});

export const statusSchema = z.enum(STATUSES);

/** API.md "Proof of delivery": what a `delivered` scan or status post may carry. */
export const proofBody = z.strictObject({
  recipient_name: z.string().trim().min(1).max(200).optional(),
  signature: id.optional().describe('an attachment id (POST /v1/attachments) of the same caller, not used yet'),
  photos: z.array(id).max(MAX_PROOF_PHOTOS).optional().describe('attachment ids of the same caller, not used yet'),
  note: z.string().max(2000).optional(),
});
export const failReasonSchema = z.enum(FAIL_REASONS);
/** API.md "Orders": shown to the courier. */
export const instructionsSchema = z.string().max(500);
export const scanTypeSchema = z.enum(SCAN_TYPES as [string, ...string[]]).transform((v) => v as (typeof SCAN_TYPES)[number]);

export const latLngSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
});

export const moneySchema = z.strictObject({
  value: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
});

export const customerSchema = z.strictObject({
  id,
  name: z.string().max(200).optional(),
  email: z.email().max(320).optional(),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15550000001').optional(),
  locale: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or zh-HK').optional(),
});

/** API.md: a missing channel is false. */
export const notifySchema = z.strictObject({ email: z.boolean().default(false), sms: z.boolean().default(false) });

export const placeOrderBody = z.strictObject({
  external_id: id.optional(),
  customer: customerSchema,
  destination: z
    .strictObject({
      address: z.string().max(1000).optional(),
      lat: z.number().min(-90).max(90).optional(),
      lng: z.number().min(-180).max(180).optional(),
    })
    .optional(),
  amount: moneySchema.optional(),
  items: boundedDepth(z.array(z.unknown()).max(1000)).optional(),
  notify: notifySchema.optional(),
  promised_by: promise.optional(),
  metadata: boundedDepth(z.record(z.string(), z.unknown())).optional(),
  payment: z
    .strictObject({ method: z.literal('cash'), amount_due: moneySchema.optional() })
    .describe("cash on delivery: the courier collects amount_due (default: the order's amount; 400 when neither is given)")
    .optional(),
  instructions: instructionsSchema.optional(),
});

/** `PATCH /v1/orders/:id`: what may change of an order after placement. */
export const orderPatchBody = z.strictObject({ instructions: instructionsSchema.nullable() });

export const statusBody = z.strictObject({
  status: statusSchema,
  event_id: id.optional(),
  occurred_at: notInFuture.optional(),
  note: z.string().max(2000).optional(),
  location: latLngSchema.optional(),
  reason: failReasonSchema.optional().describe('only with failed_attempt'),
  proof: proofBody.optional().describe('only with delivered'),
});

export const assignBody = z.strictObject({ courier_id: id });

export const scanSchema = z.strictObject({
  event_id: id,
  order_id: id,
  type: scanTypeSchema,
  occurred_at: notInFuture,
  location: latLngSchema.optional(),
  note: z.string().max(2000).optional(),
  reason: failReasonSchema.optional().describe('only with failed_attempt'),
  proof: proofBody.optional().describe('only with delivered'),
});

// Documented as a scan, validated one by one in the route: API.md, one bad scan does not fail the others.
const { $schema: _dialect, ...scanDocument } = z.toJSONSchema(scanSchema, { io: 'input', unrepresentable: 'any' });

/** A scan upload: only the envelope is checked here, each item is checked against {@link scanSchema} on its own. */
export const scansBody = z.strictObject({ scans: z.array(z.unknown().meta(scanDocument)).min(1).max(500) });

export const locationBody = z.strictObject({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  heading: z.number().min(0).max(360).optional(),
  speed: z.number().nonnegative().optional(),
  at: notInFuture.optional(),
});

/** A batch of buffered positions, at most 100. */
export const locationsBody = z.strictObject({ positions: z.array(locationBody).min(1).max(100) });

export const tenantBody = z.strictObject({ name: z.string().trim().min(1).max(200) });

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, 24-hour');
const timeZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'must be an IANA time zone such as Asia/Hong_Kong');

/** `PUT /v1/tenants/me/settings`: the fields given change, the others stay. */
export const tenantSettingsBody = z.strictObject({
  // Up to ten years; null keeps personal data for as long as the orders.
  retention_days: z.number().int().min(1).max(3650).nullable().optional(),
  arrival_radius_m: z.number().int().min(20).max(5000).optional(),
  // Days a tracking link keeps working after its order became terminal: at most a year.
  tracking_link_days: z.number().int().min(1).max(365).optional(),
  proof_required: z.array(z.enum(PROOF_PARTS)).max(PROOF_PARTS.length).optional(),
  default_locale: z.enum(LOCALES).optional(),
  slug: z
    .string()
    .regex(SLUG_PATTERN, 'must be 3 to 40 lower-case letters, digits and hyphens')
    .optional()
    .describe("the portal's address, /portal/<slug>/; unique across tenants (409 already_exists when taken)"),
  loyalty_basis: z
    .enum(LOYALTY_BASES)
    .optional()
    .describe("points on the order's amount (default), or on what was paid less refunds at delivery; a later refund takes its share back"),
  quiet_hours: z
    .strictObject({ start: clockTime, end: clockTime, time_zone: timeZone })
    .refine((hours) => hours.start !== hours.end, { message: 'start and end must differ', path: ['end'] })
    .nullable()
    .optional(),
});

export const tenantSettingsResponse = z.object({
  retention_days: z.number().int().nullable(),
  arrival_radius_m: z.number().int(),
  quiet_hours: z.object({ start: z.string(), end: z.string(), time_zone: z.string() }).nullable(),
  tracking_link_days: z.number().int(),
  proof_required: z.array(z.enum(PROOF_PARTS)),
  default_locale: z.enum(LOCALES),
  slug: z.string().describe("the portal's address, /portal/<slug>/; the tenant's id until one is set"),
  loyalty_basis: z.enum(LOYALTY_BASES),
});

export const tokenBody = z.strictObject({
  role: z.enum(['customer', 'courier', 'staff']),
  // Checked again here (every JSON body already is): a token outlives its request, and its subject reaches the
  // store and the rate limiter's keys on every call it makes.
  subject: id.refine(isText, NOT_TEXT_MESSAGE),
  // At most 30 days: longer-lived credentials belong in an API key.
  ttl_s: z.number().int().min(1).max(30 * 24 * 3600).default(3600),
});

/** The filters of `GET /v1/orders`, which the CSV export takes too. */
const orderFilterFields = {
  status: z
    .string()
    .transform((value) => value.split(',').map((part) => part.trim()))
    .pipe(z.array(statusSchema).min(1))
    .optional(),
  created_from: instant.optional(),
  created_to: instant.optional(),
  updated_from: instant.optional(),
  updated_to: instant.optional(),
  customer_id: id.optional(),
  courier_id: id.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  promised_from: instant.optional().describe('orders with a promised_by at or after this time'),
  promised_to: instant.optional().describe('orders with a promised_by at or before this time'),
};

function toOrderFilter(query: z.output<z.ZodObject<typeof orderFilterFields>>): OrderFilter {
  return {
    statuses: query.status,
    createdFrom: query.created_from,
    createdTo: query.created_to,
    updatedFrom: query.updated_from,
    updatedTo: query.updated_to,
    customerId: query.customer_id,
    courierId: query.courier_id,
    q: query.q,
    promisedFrom: query.promised_from,
    promisedTo: query.promised_to,
  };
}

/** `GET /v1/orders`: the store's filter, a page size and the cursor (decoded by the route). */
export const searchQuery = z
  .strictObject({
    ...orderFilterFields,
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
  })
  .transform(({ limit, cursor, ...filters }) => ({ filter: toOrderFilter(filters), limit, cursor }));

/** `GET /v1/reports/orders.csv`: every order matching the search filters, so no page size or cursor. */
export const exportQuery = z.strictObject(orderFilterFields).transform(toOrderFilter);

// A year and a day, so a leap year's full calendar year fits; by_day stays at most 367 entries.
const MAX_REPORT_RANGE_MS = 366 * 24 * 3600_000;

/** `GET /v1/reports/summary`: orders created in `[from, to)`. */
export const summaryQuery = z
  .strictObject({ from: instant, to: instant })
  .superRefine(({ from, to }, context) => {
    const span = Date.parse(to) - Date.parse(from);
    if (span <= 0) context.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    else if (span > MAX_REPORT_RANGE_MS) {
      context.addIssue({ code: 'custom', path: ['to'], message: 'must be at most 366 days after from' });
    }
  });

export const preferencesBody = z.strictObject({
  email: z.boolean(),
  sms: z.boolean(),
  email_address: z.email().max(320).optional(),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15550000001').optional(),
  push: z.boolean().optional().describe('alerts as Web Push notifications on subscribed devices; left out: unchanged (at first: true)'),
  locale: z.enum(LOCALES).nullable().optional().describe("the language of the customer's alerts; null: none chosen; left out: unchanged"),
});

/** What redeemed points go to. */
export const redemptionKind = z.enum(['discount', 'charity']);

export const redemptionBody = z.strictObject({
  points: z.number().int().positive(),
  kind: redemptionKind,
  event_id: id,
});

export const loyaltySettingsBody = z.strictObject({
  // Up to 1,000 points per currency unit; fractions allowed (0.5 = a point per two units).
  points_per_unit: z.number().min(0).max(1000),
});

export const eventsQuery = z.strictObject({
  since_seq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

// Response shapes: the OpenAPI document shows them, and handlers' answers are typed from them.
export const errorResponse = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});

export const eventResponse = z.object({
  seq: z.number().int().nullable(),
  order_id: z.string(),
  type: z.enum(['status', 'scan']),
  status: statusSchema,
  scan_type: z.enum(SCAN_TYPES as [string, ...string[]]).nullable(),
  event_id: z.string(),
  occurred_at: z.string(),
  recorded_at: z.string(),
  location: latLngSchema.nullable(),
  note: z.string().nullable(),
  source: z.enum(['business', 'staff', 'courier', 'provider']),
  applied: z.boolean(),
  reason: failReasonSchema.optional().describe("a failed attempt's reason, when one was given"),
  proof: z
    .object({
      recipient_name: z.string().nullable(),
      note: z.string().nullable(),
      signature: z.string().nullable(),
      photos: z.array(z.string()),
      sha256: z.record(z.string(), z.string()).describe('the SHA-256 of each attachment as stored, by attachment id'),
    })
    .optional()
    .describe("a delivery's proof, when one was given"),
});

const attachmentLink = z.object({ id: z.string(), url: z.string().describe('works without a token for one hour') });
/** The order's proof of delivery, from its applied delivered event. */
export const proofResponse = z.object({
  recipient_name: z.string().nullable(),
  note: z.string().nullable(),
  signature: attachmentLink.nullable(),
  photos: z.array(attachmentLink),
  at: z.string(),
  location: latLngSchema.nullable(),
  sha256: z.record(z.string(), z.string()),
});

/** An order's `payment` (API.md "Payments"). */
export const paymentSchema = z.object({
  status: z.enum(['none', 'pending', 'authorized', 'paid', 'partially_refunded', 'refunded', 'failed', 'cod_due', 'cod_collected']),
  method: z.enum(['card', 'wallet', 'bank_transfer', 'cash']).nullable(),
  amount_due: moneySchema.nullable(),
  amount_paid: moneySchema.nullable(),
  amount_refunded: moneySchema.nullable(),
  provider: z.string().nullable(),
  updated_at: z.string(),
});

export const orderResponse = z.object({
  id: z.string(),
  tenant_id: z.string(),
  external_id: z.string().nullable(),
  status: statusSchema,
  version: z.number().int(),
  customer: customerSchema,
  destination: z.object({ address: z.string().optional(), lat: z.number().optional(), lng: z.number().optional() }).nullable(),
  amount: moneySchema.nullable(),
  items: z.array(z.unknown()).nullable(),
  notify: z.object({ email: z.boolean(), sms: z.boolean() }).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  courier_id: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  eta: z.string().nullable(),
  promised_by: z.string().nullable(),
  last_location: z.object({ lat: z.number(), lng: z.number(), at: z.string() }).nullable(),
  /** When the courier first came within the tenant's arrival radius (API.md "Arrival"); null: not yet. */
  arriving_at: z.string().nullable(),
  payment: paymentSchema,
  instructions: z.string().nullable(),
  proof: proofResponse.nullable(),
});

export const placedOrderResponse = orderResponse.extend({ tracking_token: z.string() });
/** `POST /v1/orders/:id/tracking-token`: a new tracking link, which ends every earlier one. */
export const trackingTokenResponse = z.object({ tracking_token: z.string() });

/** An applied event as a tracking link sees it (API.md "Tracking links"): no note, place or source. */
export const trackingEventResponse = z.object({
  seq: z.number().int(),
  type: z.enum(['status', 'scan']),
  status: statusSchema,
  scan_type: z.enum(SCAN_TYPES as [string, ...string[]]).nullable(),
  occurred_at: z.string(),
  recorded_at: z.string(),
  reason: failReasonSchema.optional(),
});

/** The tracking view: what a tracking link reads of its order (API.md "Tracking links"), never the whole order. */
export const trackingViewResponse = z.object({
  id: z.string(),
  external_id: z.string().nullable(),
  status: statusSchema,
  version: z.number().int(),
  eta: z.string().nullable(),
  promised_by: z.string().nullable(),
  delivered_at: z.string().nullable(),
  arriving_at: z.string().nullable(),
  destination: z.object({ address: z.string().optional(), lat: z.number().optional(), lng: z.number().optional() }).nullable(),
  /** The courier's position, only while the order is out for delivery. */
  last_location: z.object({ lat: z.number(), lng: z.number(), at: z.string() }).nullable(),
  /** The customer's language only as one of the pages' (API.md "Languages"); absent when it is none of them. */
  customer: z.object({ name: z.string().optional(), locale: z.enum(LOCALES).optional() }),
  proof: proofResponse.nullable(),
  /** The tenant's language for its customers: the page's when neither the customer's nor the browser's is known. */
  default_locale: z.enum(LOCALES),
});
export const trackingViewWithHistoryResponse = trackingViewResponse.extend({
  history: z.array(trackingEventResponse),
  // The shop's branding, for the tracking page's header (API.md "Branding and message templates").
  branding: z.object({
    display_name: z.string(),
    logo_url: z.string().nullable(),
    primary_color: z.string(),
    support_email: z.string().nullable(),
    support_phone: z.string().nullable(),
  }),
});
export const trackingEventsResponse = z.object({ items: z.array(trackingEventResponse) });
/** A status post's answer: the order and the event the answer is about (for a replay, the original event). */
export const orderWithEventResponse = orderResponse.extend({ event: eventResponse });
export const orderWithHistoryResponse = orderResponse.extend({ history: z.array(eventResponse) });
export const orderPageResponse = z.object({ items: z.array(orderResponse), next_cursor: z.string().nullable() });
export const eventsResponse = z.object({ items: z.array(eventResponse) });
const fieldIssueResponse = z.object({ path: z.string(), message: z.string(), code: z.string().optional() });
export const scanResultsResponse = z.object({
  results: z.array(
    z.object({
      event_id: z.string().nullable().describe('null for a rejected scan whose event_id is not a string'),
      outcome: z.enum(['applied', 'duplicate', 'late', 'rejected']),
      seq: z.number().int().nullable().optional(),
      error: z
        .object({
          code: z.string(),
          message: z.string(),
          details: z.array(fieldIssueResponse).optional().describe("paths relative to the scan item ('' is the item itself)"),
        })
        .optional(),
    }),
  ),
});
export const preferencesResponse = z.object({
  customer_id: z.string(),
  email: z.boolean(),
  sms: z.boolean(),
  push: z.boolean(),
  email_address: z.string().nullable(),
  phone: z.string().nullable(),
  locale: z.enum(LOCALES).nullable(),
  updated_at: z.string(),
});
/** `GET /v1/customers/:id/preferences`: as stored, or the defaults (no `updated_at`) when none were set. */
export const storedPreferencesResponse = preferencesResponse.extend({ updated_at: z.string().nullable() });
export const notificationsResponse = z.object({ items: z.array(deliveryLine) });
export const ledgerEntryResponse = z.object({
  id: z.string(),
  delta: z.number().int(),
  reason: z.enum(['accrual', 'reversal', 'redemption']),
  order_id: z.string().optional(),
  kind: redemptionKind.optional(),
  shortfall: z.number().int().optional(),
  at: z.string(),
});
export const loyaltyResponse = z.object({
  customer_id: z.string(),
  balance: z.number().int(),
  entries: z.array(ledgerEntryResponse),
});
export const loyaltySettingsResponse = z.object({ points_per_unit: z.number() });
export const tenantResponse = z.object({ id: z.string(), name: z.string(), api_key: z.string() });
export const tokenResponse = z.object({ token: z.string(), expires_at: z.string() });
const revocableRole = z.enum(['customer', 'courier', 'staff']);
export const revokeBody = z.strictObject({ role: revocableRole, subject: id });
export const revokeResponse = z.object({
  role: revocableRole,
  subject: z.string(),
  revoked_before: z.string().describe("the subject's tokens issued up to this time are refused; later ones work"),
});
export const apiKeyResponse = z.object({ api_key: z.string().describe('the new key, shown once; the old one is refused from now on') });
export const summaryResponse = z.object({
  from: z.string(),
  to: z.string(),
  placed: z.number().int(),
  delivered: z.number().int().describe('orders delivered (delivered_at set), including ones returned afterwards'),
  returned: z.number().int(),
  cancelled: z.number().int(),
  failed_attempts: z.number().int(),
  on_time_rate: z
    .number()
    .min(0)
    .max(1)
    .nullable()
    .describe('on time ÷ decided among non-cancelled orders with promised_by; null when none is decided'),
  delivery_time_s: z
    .object({ p50: z.number(), p90: z.number() })
    .nullable()
    .describe('created_at → delivered_at over delivered orders, nearest-rank percentiles'),
  by_courier: z.array(z.object({ courier_id: z.string(), delivered: z.number().int(), failed_attempts: z.number().int() })),
  by_day: z.array(z.object({ date: z.string(), placed: z.number().int(), delivered: z.number().int() })),
});

/** `/healthz`, `/readyz`. */
export const okResponse = z.object({ ok: z.literal(true) });
/** `/readyz`: ready, with what the node serves without (a broker of IoT trackers away) when anything. */
export const readinessResponse = okResponse.extend({
  warnings: z.array(z.object({ dependency: z.string(), message: z.string() })).optional(),
});
/** `/openapi.json`: the API's description (OpenAPI 3.1). */
export const openApiResponse = z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.record(z.string(), z.unknown()) });
