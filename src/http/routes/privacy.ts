import { Readable } from 'node:stream';
import type { z } from 'zod';
import { toOrderView } from '../../domain/order';
import type { CustomerExport } from '../../services/privacy-service';
import type { HttpDeps } from '../deps';
import { auditPageResponse, auditQuery, customerExportResponse, erasureResponse } from '../privacy-schemas';
import { route, type Route } from '../route';
import { decodeAuditCursor, encodeAuditCursor } from './cursor';
import { deliveryWire } from '../delivery-wire';
import { ledgerWire } from '../ledger-wire';

/** Privacy (API.md): a customer's export and erasure, and the audit trail of both. */
export function privacyRoutes({ privacy, logger }: HttpDeps): Route[] {
  return [
    route({
      method: 'get',
      path: '/v1/customers/:id/export',
      operationId: 'exportCustomer',
      summary:
        'Everything held about a customer as one JSON document (streamed): customer, preferences, loyalty, orders ' +
        '(each with its history), notifications (the delivery log of those orders)',
      roles: ['business', 'customer'],
      status: 200,
      response: customerExportResponse,
      streamed: true,
      headers: { 'Content-Disposition': 'attachment; filename="customer-export.json"' },
      errors: [404],
      handler: async ({ principal, params }) => {
        const exported = await privacy.export(principal, params.id);
        const body = Readable.from(exportDocument(exported));
        body.on('error', (error) => logger.error({ err: error }, 'customer export failed mid-stream'));
        return {
          body,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Disposition': 'attachment; filename="customer-export.json"',
          },
        };
      },
    }),
    route({
      method: 'delete',
      path: '/v1/customers/:id/personal-data',
      operationId: 'eraseCustomerPersonalData',
      summary:
        "Erase a customer's personal data everywhere (name, email, phone, destinations, event notes and locations, " +
        'courier positions, preferences, addresses in the delivery log and webhook messages); orders, statuses, times, ' +
        'amounts and the loyalty ledger stay. Idempotent: orders = how many this call erased',
      roles: ['business'],
      status: 200,
      response: erasureResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        return { body: { orders: await privacy.erase(principal, params.id) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/privacy/audit',
      operationId: 'listPrivacyAudit',
      summary: 'The audit trail of exports, erasures and retention sweeps, newest first (who, when, which customer, how many orders)',
      roles: ['business'],
      query: auditQuery,
      status: 200,
      response: auditPageResponse,
      handler: async ({ principal, query }) => {
        const page = await privacy.auditTrail(principal.tenantId, query.limit, query.cursor ? decodeAuditCursor(query.cursor) : null);
        return {
          body: {
            items: page.items.map(({ tenant_id: _tenant, ...entry }) => entry),
            next_cursor: encodeAuditCursor(page.next),
          },
        };
      },
    }),
  ];
}

/**
 * The export as JSON text, written as its pages are read: memory holds one page of orders (or of delivery logs) at a
 * time, whatever the customer's number of orders. Recorded in the audit trail once the last byte is written.
 */
async function* exportDocument(exported: CustomerExport): AsyncGenerator<string> {
  const { customer, preferences } = exported;
  const loyalty: ExportDocument['loyalty'] = {
    customer_id: customer.id,
    balance: exported.loyalty.balance,
    entries: exported.loyalty.entries.map(ledgerWire),
  };
  yield `{"customer":${JSON.stringify(customer satisfies ExportDocument['customer'])},"preferences":${JSON.stringify(
    preferences satisfies ExportDocument['preferences'],
  )},"loyalty":${JSON.stringify(loyalty)},"orders":[`;
  let count = 0;
  for await (const orders of exported.orders) {
    if (orders.length === 0) continue;
    const written = orders.map((order): ExportDocument['orders'][number] => ({ ...toOrderView(order), history: order.history }));
    yield (count > 0 ? ',' : '') + written.map((order) => JSON.stringify(order)).join(',');
    count += orders.length;
  }
  yield '],"notifications":[';
  let lines = 0;
  for await (const deliveries of exported.notifications) {
    if (deliveries.length === 0) continue;
    const written = deliveries.map((delivery): ExportDocument['notifications'][number] => ({ order_id: delivery.order_id, ...deliveryWire(delivery) }));
    yield (lines > 0 ? ',' : '') + written.map((line) => JSON.stringify(line)).join(',');
    lines += deliveries.length;
  }
  yield ']}';
  await exported.finished(count);
}

/** The export as its schema declares it: each piece written is checked against it. */
type ExportDocument = z.input<typeof customerExportResponse>;
