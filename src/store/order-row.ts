import { orderState, placementOf, type Location, type Order, type OrderState, type Placement } from '../domain/order';
import { noPayment, paymentFrom, type Payment } from '../domain/payment';

/**
 * The `orders` row of both SQL stores: searchable and mutable fields in columns of their own, placement data in one
 * document. Each dialect only says how it holds JSON (text in SQLite, parsed `jsonb` in PostgreSQL).
 */

/** Placement data and the ETA placement gave, kept as one document: read with the order, never filtered on. */
export type OrderDoc = Placement &
  Pick<Order, 'eta'> & {
    /** The payment the order was placed with; absent in orders placed before payments were kept. */
    payment?: Payment;
  };

/** The fields each kept as it is in a column of its own. */
type ColumnFields = Pick<Order, 'id' | 'tenant_id' | 'external_id' | 'rev' | 'created_at' | 'promised_by'> & OrderState;

/** The columns of a row that do not hold JSON. */
export type OrderColumns = ColumnFields & {
  /** `customer.id`, for its index. */
  customer_id: string;
  /** Absent in rows read without it (older reads select listed columns). */
  erased_at?: string | null;
  /** The live ETA and the arriving claim (API.md "Arrival"); absent in rows read without them. */
  eta?: string | null;
  arriving_at?: string | null;
  /** The tracking links' generation (0 until a link is renewed); absent in rows read without it. */
  tracking_generation?: number;
};

/*
 * Objects are built as literals and completed with `Object.assign`: an object spread followed by more properties is
 * built on the engine's slow path, and every order read goes through here.
 */

function columnFields(source: ColumnFields): ColumnFields {
  return {
    id: source.id,
    tenant_id: source.tenant_id,
    external_id: source.external_id,
    ...orderState(source),
    rev: source.rev,
    created_at: source.created_at,
    promised_by: source.promised_by,
  };
}

/** A new order's plain columns (ETA, arriving claim and erasure are written later, by their own statements). */
export function orderColumns(order: Order): OrderColumns {
  return Object.assign(columnFields(order), { customer_id: order.customer.id });
}

export function docOf(order: OrderDoc): OrderDoc {
  return Object.assign(placementOf(order), { eta: order.eta }, order.payment ? { payment: paymentFrom(order.payment) } : {});
}

/**
 * The order a row holds, from its columns and its JSON as the dialect decoded it. `payment` is the `payment` column,
 * which payment transactions write; null until the first one, when the placement's payment holds.
 */
export function orderOfRow(row: OrderColumns, doc: OrderDoc, lastLocation: Location | null, payment: Payment | null): Order {
  return Object.assign(columnFields(row), placementOf(doc), {
    payment: payment ?? doc.payment ?? noPayment(row.created_at),
    // Courier pings keep it in its own column; the document's copy is what placement wrote.
    eta: row.eta ?? doc.eta,
    last_location: lastLocation,
    ...(row.erased_at ? { erased_at: row.erased_at } : {}),
    ...(row.arriving_at ? { arriving_at: row.arriving_at } : {}),
    ...(row.tracking_generation ? { tracking_generation: row.tracking_generation } : {}),
  });
}
