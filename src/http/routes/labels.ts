import { z } from 'zod';
import { MAX_LABELS } from '../../services/label-service';
import type { HttpDeps } from '../deps';
import { route, type Route } from '../route';

const LABEL_MAKERS = ['business', 'staff'] as const;

const PDF_HEADERS = { 'Content-Disposition': 'inline; filename="labels.pdf"' } as const;

/** `GET /v1/labels?ids=a,b`: a comma list of 1 to 100 order ids, each once. */
const labelsQuery = z.strictObject({
  ids: z
    .string()
    .transform((list) => [...new Set(list.split(',').map((id) => id.trim()).filter((id) => id.length > 0))])
    .pipe(z.array(z.string().max(200)).min(1, 'must name at least one order').max(MAX_LABELS, `must name at most ${MAX_LABELS} orders`)),
});

/** Shipping labels (API.md "Labels"): 4 × 6 inch PDF pages with the order's codes. */
export function labelRoutes({ labels }: HttpDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/orders/:id/label',
      operationId: 'getOrderLabel',
      summary:
        "The order's shipping label: a 4 × 6 inch PDF page with the tenant's name, the reference, the customer, the " +
        'destination, promised_by, the cash to collect on delivery, and a Code 128 barcode and a QR code of the order id',
      roles: LABEL_MAKERS,
      status: 200,
      produces: 'application/pdf',
      streamed: true,
      headers: PDF_HEADERS,
      errors: [404],
      handler: async ({ principal, params }) => {
        const body = await labels.render(principal.tenantId, [params.id]);
        return { body, headers: { 'Content-Type': 'application/pdf', ...PDF_HEADERS } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/labels',
      operationId: 'getLabels',
      summary: `Labels of up to ${MAX_LABELS} orders (ids: a comma list) in one PDF, one label a page in the order asked, streamed; an id that is not an order of the tenant is a 404 for the whole request`,
      roles: LABEL_MAKERS,
      query: labelsQuery,
      status: 200,
      produces: 'application/pdf',
      streamed: true,
      headers: PDF_HEADERS,
      errors: [404],
      handler: async ({ principal, query }) => {
        const body = await labels.render(principal.tenantId, query.ids);
        return { body, headers: { 'Content-Type': 'application/pdf', ...PDF_HEADERS } };
      },
    }),
  ];
}
