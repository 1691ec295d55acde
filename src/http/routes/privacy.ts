import { Readable } from 'node:stream';
import { toOrderView } from '../../domain/order';
import { requireRole } from '../../domain/principal';
import type { CustomerExport } from '../../services/privacy-service';
import type { Delivery } from '../../store/deliveries/port';
import type { HttpDeps } from '../deps';
import { auditPageResponse, auditQuery, customerExportResponse, erasureResponse } from '../privacy-schemas';
import { route, type RouteSpec } from '../route';
import { decodeAuditCursor, encodeAuditCursor } from './cursor';
import { deliveryWire } from '../delivery-wire';
import { ledgerWire } from '../ledger-wire';

/** Privacy (API.md): a customer's export and erasure, and the audit trail of both. */
export function privacyRoutes({ privacy, logger }: HttpDeps): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/v1/customers/:id/export',
      summary:
        'Everything held about a customer as one JSON document (streamed): customer, preferences, loyalty, orders ' +
        '(each with its history), notifications (the delivery log of those orders)',
      roles: ['business', 'customer'],
      status: 200,
      response: customerExportResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        const caller = requireRole(principal, ['business', 'customer']);
        const exported = await privacy.export(caller, params.id!);
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
      summary:
        "Erase a customer's personal data everywhere (name, email, phone, destinations, event notes and locations, " +
        'courier positions, preferences, addresses in the delivery log and webhook messages); orders, statuses, times, ' +
        'amounts and the loyalty ledger stay. Idempotent: orders = how many this call erased',
      roles: ['business'],
      status: 200,
      response: erasureResponse,
      errors: [404],
      handler: async ({ principal, params }) => {
        const caller = requireRole(principal, ['business']);
        return { body: { orders: await privacy.erase(caller, params.id!) } };
      },
    }),
    route({
      method: 'get',
      path: '/v1/privacy/audit',
      summary: 'The audit trail of exports, erasures and retention sweeps, newest first (who, when, which customer, how many orders)',
      roles: ['business'],
      query: auditQuery,
      status: 200,
      response: auditPageResponse,
      handler: async ({ principal, query }) => {
        const caller = requireRole(principal, ['business']);
        const page = await privacy.auditTrail(caller.tenantId, query.limit, query.cursor ? decodeAuditCursor(query.cursor) : null);
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
  const { customer, preferences, loyalty } = exported;
  yield `{"customer":${JSON.stringify(customer)},"preferences":${JSON.stringify(preferences)},"loyalty":${JSON.stringify({
    customer_id: customer.id,
    balance: loyalty.balance,
    entries: loyalty.entries.map(ledgerWire),
  })},"orders":[`;
  let count = 0;
  for await (const orders of exported.orders) {
    if (orders.length === 0) continue;
    yield (count > 0 ? ',' : '') + orders.map((order) => JSON.stringify({ ...toOrderView(order), history: order.history })).join(',');
    count += orders.length;
  }
  yield '],"notifications":[';
  let lines = 0;
  for await (const deliveries of exported.notifications) {
    if (deliveries.length === 0) continue;
    yield (lines > 0 ? ',' : '') + deliveries.map((delivery) => JSON.stringify({ order_id: delivery.order_id, ...deliveryWire(delivery) })).join(',');
    lines += deliveries.length;
  }
  yield ']}';
  await exported.finished(count);
}
