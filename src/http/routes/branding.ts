import { z } from 'zod';
import type { Locale } from '../../domain/locale';
import type { MessageSubject } from '../../domain/message';
import type { StoredTemplate } from '../../store/templates/port';
import {
  brandingBody,
  brandingResponse,
  localeSchema,
  messageSubjectSchema,
  previewBody,
  previewResponse,
  templateBody,
  templateListResponse,
  templateResponse,
} from '../branding-schemas';
import type { HttpDeps } from '../deps';
import { route, validate, type Route } from '../route';

// A public branding may change; a minute of caching spares the tracking pages of one tenant most reads.
const BRANDING_CACHE = 'public, max-age=60';
// A logo's link names its attachment, whose bytes never change: browsers and proxies may keep it for good.
const LOGO_CACHE = 'public, max-age=31536000, immutable';

/**
 * The tenant's branding (its own, and anyone's read through its public address), its logo served without a token,
 * and its message templates.
 */
export function brandingRoutes({ branding, templates, rateLimit, publicUrl }: HttpDeps): Route[] {
  const templatePath = '/v1/tenants/me/templates/:locale/:subject' as const;
  return [
    route({
      method: 'get',
      path: '/v1/tenants/me/branding',
      operationId: 'getBranding',
      summary: "The tenant's branding: its display name, logo, colour and support contacts (its name and the default colour until it sets them)",
      // Everyone of the tenant reads it: the courier app and the portal show it.
      roles: ['business', 'staff', 'courier', 'customer'],
      status: 200,
      response: brandingResponse,
      handler: async ({ principal }) => ({ body: await branding.get(principal.tenantId) }),
    }),
    route({
      method: 'put',
      path: '/v1/tenants/me/branding',
      operationId: 'putBranding',
      summary:
        'Replace the branding shown on the tracking page, the portal, the courier app, HTML emails and labels; the logo is an ' +
        'image the business uploaded (POST /v1/attachments), kept as long as it is the logo',
      roles: ['business'],
      body: brandingBody,
      status: 200,
      response: brandingResponse,
      handler: async ({ principal, body }) => ({ body: await branding.put(principal, body) }),
    }),
    route({
      method: 'get',
      path: '/v1/tenants/me/templates',
      operationId: 'listTemplates',
      summary: "The tenant's message templates, by language and subject",
      roles: ['business'],
      status: 200,
      response: templateListResponse,
      handler: async ({ principal }) => ({ body: { items: (await templates.list(principal.tenantId)).map(templateView) } }),
    }),
    route({
      method: 'post',
      path: '/v1/tenants/me/templates/preview',
      operationId: 'previewTemplate',
      summary:
        'A message as it would go out now, in every form (email subject, text and HTML, SMS, push): about the order named, ' +
        'or about sample values; parts of a template that fail to render show their built-in texts (listed in fallbacks)',
      roles: ['business'],
      body: previewBody,
      status: 200,
      response: previewResponse,
      errors: [404],
      handler: async ({ ctx, principal, body }) => {
        const base = publicUrl ?? `${ctx.protocol}://${ctx.host}`;
        const { locale, message, fallbacks } = await templates.preview(principal.tenantId, { locale: body.locale, subject: body.subject, orderId: body.order_id }, base);
        return { body: { locale, ...message, fallbacks } };
      },
    }),
    route({
      method: 'get',
      path: templatePath,
      operationId: 'getTemplate',
      summary: "The tenant's template for a language (en, zh-HK, ar) and a subject (a notifying status, arriving or sign_in_code)",
      roles: ['business'],
      status: 200,
      response: templateResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        const { locale, subject } = templateParams(params);
        return { body: templateView(await templates.get(principal.tenantId, locale, subject)) };
      },
    }),
    route({
      method: 'put',
      path: templatePath,
      operationId: 'putTemplate',
      summary:
        'Replace the template for a language and a subject: Liquid sources by part (subject, text, html, sms, push.title, ' +
        'push.body) with the variables order.reference, order.status, order.eta, customer.name, courier.name, tracking_url, ' +
        'tenant.display_name and code; a part that does not parse, uses another variable, or fails on sample values is a 400 ' +
        'naming its line. A part not given is the built-in text of that language',
      roles: ['business'],
      body: templateBody,
      status: 200,
      response: templateResponse,
      handler: async ({ principal, params, body }) => {
        const { locale, subject } = templateParams(params);
        return { body: templateView(await templates.put(principal.tenantId, locale, subject, body)) };
      },
    }),
    route({
      method: 'delete',
      path: templatePath,
      operationId: 'deleteTemplate',
      summary: 'Remove the template for a language and a subject: the built-in texts go out again',
      roles: ['business'],
      status: 204,
      errors: [404],
      handler: async ({ principal, params }) => {
        const { locale, subject } = templateParams(params);
        await templates.remove(principal.tenantId, locale, subject);
        return {};
      },
    }),
    // After the `me` routes, which the router tries first: `me` is never read as a tenant's address.
    route({
      method: 'get',
      path: '/v1/tenants/:slug/branding',
      operationId: 'getPublicBranding',
      summary: "A tenant's branding by its public address (by default its id), without a token: for the tracking page and the portal's sign-in",
      roles: 'public',
      status: 200,
      response: brandingResponse,
      headers: { 'Cache-Control': `${BRANDING_CACHE}: the branding is the business's public face, not personal data` },
      errors: [404],
      handler: async ({ ctx, params }) => {
        await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
        return { body: await branding.bySlug(params.slug), headers: { 'Cache-Control': BRANDING_CACHE } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/logos/:id',
      operationId: 'getLogo',
      summary: "A tenant's logo, without a token, while it is the logo (a branding's logo_url)",
      roles: 'public',
      status: 200,
      produces: 'image/*',
      headers: { 'Cache-Control': `${LOGO_CACHE}: a logo's link names bytes that never change` },
      errors: [404],
      handler: async ({ ctx, params }) => {
        await rateLimit.admit(ctx, { role: 'anonymous', address: ctx.ip });
        const { attachment, data } = await branding.logo(params.id);
        return { body: data, headers: { 'Content-Type': attachment.content_type, 'Cache-Control': LOGO_CACHE } };
      },
    }),
  ];
}

const templateParamsSchema = z.object({ locale: localeSchema, subject: messageSubjectSchema });

/** The language and subject a template's path names. @throws ValidationError naming the one that is not known */
function templateParams(params: { locale: string; subject: string }): { locale: Locale; subject: MessageSubject } {
  return validate(templateParamsSchema, params, 'path');
}

function templateView({ locale, subject, parts, updated_at }: StoredTemplate) {
  return { locale, subject, parts, updated_at };
}
