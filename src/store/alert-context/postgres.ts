import { PREFERENCES_SCOPE, type ContactStanding } from '../../domain/contact';
import type { AlertKind } from '../../domain/effects';
import { eventFrom, type OrderEvent } from '../../domain/order';
import { addToStanding, type StandingRow } from '../contacts/postgres';
import { COURIER_COLUMNS } from '../couriers/postgres';
import type { CourierRecord } from '../couriers/port';
import type { Delivery } from '../deliveries/port';
import { DELIVERY_COLUMNS } from '../deliveries/postgres';
import { alertId, type AlertKey } from '../delivery-keys';
import type { PostgresContext } from '../postgres/context';
import { EVENT_COLUMNS, rowToOrder, type OrderRow } from '../postgres/rows';
import { TurnBatch } from '../postgres/turn-batch';
import { PREFERENCE_COLUMNS } from '../preferences/postgres';
import type { Preferences } from '../preferences/port';
import { PUSH_SUBSCRIPTION_COLUMNS, subscriptionOfRow, type PushSubscriptionRow } from '../push/postgres';
import { alertEventsAfter, noAlertContext, type AlertContext, type AlertContexts } from './port';

/**
 * A row of `table` as a JSON object of `columns` (a comma-separated list). JSON has no time type: the `timestamptz`
 * columns among them (`times`) are written as the pool hands times over (context.ts `TYPES`), the domain's ISO UTC
 * string with milliseconds; jsonb, numbers, booleans and text come out as the pool parses them.
 */
function jsonRow(alias: string, columns: string, times: readonly string[]): string {
  const fields = columns.split(', ').map((column) => {
    const value = times.includes(column) ? `to_char(${alias}.${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : `${alias}.${column}`;
    return `'${column}', ${value}`;
  });
  return `json_build_object(${fields.join(', ')})`;
}

/**
 * The context of every alert of a turn in one statement, each part the same rows its repository's own read selects
 * (orders/, deliveries/, preferences/, contacts/, push/, couriers/ postgres.ts), gathered per alert (the input's
 * ordinality) as JSON; the order's row comes as its columns, as `loadOrder` reads it. `a` is the alerts whose order
 * is there, with what the other parts are keyed on.
 */
const ALERT_CONTEXT = `
  WITH k AS (
    SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::int[]) WITH ORDINALITY AS k (order_id, seq, kind, after_seq, i)
  ),
  a AS (
    SELECT k.i, k.order_id, k.seq, k.kind, k.after_seq, o.tenant_id, o.customer_id, o.courier_id, o.version
    FROM k JOIN orders o ON o.id = k.order_id
  ),
  ev AS (
    SELECT a.i, json_agg(${jsonRow('e', EVENT_COLUMNS, ['occurred_at', 'recorded_at'])} ORDER BY e.seq) AS list
    FROM a CROSS JOIN LATERAL (
      SELECT * FROM events WHERE order_id = a.order_id AND seq > a.after_seq ORDER BY seq LIMIT GREATEST(a.version - a.after_seq, 0)
    ) e
    GROUP BY a.i
  ),
  dl AS (
    SELECT a.i, json_agg(${jsonRow('d', DELIVERY_COLUMNS, ['at'])} ORDER BY d.channel) AS list
    FROM a JOIN deliveries d ON d.order_id = a.order_id AND d.seq = a.seq AND d.kind = a.kind
    GROUP BY a.i
  ),
  pr AS (
    SELECT a.i, ${jsonRow('p', PREFERENCE_COLUMNS, ['updated_at'])} AS item
    FROM a JOIN preferences p ON p.tenant_id = a.tenant_id AND p.customer_id = a.customer_id
  ),
  st AS (
    SELECT x.i, json_agg(json_build_object('scope', x.scope, 'kind', x.kind, 'address', x.address)) AS list
    FROM (
      SELECT a.i, s.scope, s.kind, s.address FROM a
        JOIN contact_self_set s ON s.tenant_id = a.tenant_id AND s.customer_id = a.customer_id AND s.scope IN ($5, a.order_id)
      UNION ALL
      SELECT a.i, NULL, c.kind, c.address FROM a
        JOIN contact_confirmations c ON c.tenant_id = a.tenant_id AND c.customer_id = a.customer_id
    ) x
    GROUP BY x.i
  ),
  ps AS (
    SELECT a.i, json_agg(${jsonRow('s', PUSH_SUBSCRIPTION_COLUMNS, ['created_at', 'updated_at'])} ORDER BY s.created_at, s.id COLLATE "C") AS list
    FROM a JOIN push_subscriptions s ON s.tenant_id = a.tenant_id AND s.customer_id = a.customer_id AND s.order_id IN ('', a.order_id)
    GROUP BY a.i
  ),
  co AS (
    SELECT a.i, ${jsonRow('c', COURIER_COLUMNS, ['created_at'])} AS item
    FROM a JOIN couriers c ON c.tenant_id = a.tenant_id AND c.id = a.courier_id
  )
  SELECT k.i AS alert_i, o.id IS NOT NULL AS alert_found, ev.list AS alert_events, dl.list AS alert_deliveries,
    pr.item AS alert_preferences, st.list AS alert_standing, ps.list AS alert_push, co.item AS alert_courier, o.*
  FROM k
    LEFT JOIN orders o ON o.id = k.order_id
    LEFT JOIN ev ON ev.i = k.i
    LEFT JOIN dl ON dl.i = k.i
    LEFT JOIN pr ON pr.i = k.i
    LEFT JOIN st ON st.i = k.i
    LEFT JOIN ps ON ps.i = k.i
    LEFT JOIN co ON co.i = k.i
  ORDER BY k.i`;

/** One alert's row: the order's columns (all NULL without it) and the other parts as JSON (NULL when empty). */
type ContextRow = OrderRow & {
  alert_i: string;
  alert_found: boolean;
  alert_events: OrderEvent[] | null;
  alert_deliveries: Delivery[] | null;
  alert_preferences: Preferences | null;
  alert_standing: StandingRow[] | null;
  alert_push: PushSubscriptionRow[] | null;
  alert_courier: CourierRecord | null;
};

/**
 * Alerts' contexts on PostgreSQL: the contexts asked for in one turn of the event loop (the alerts decided together)
 * are one statement, where reading each part from its repository would be one statement per part, one after the other.
 * A read-only statement: one snapshot for the whole context.
 */
export class PostgresAlertContexts implements AlertContexts {
  private readonly reads = new TurnBatch<AlertKey, AlertContext>(async (keys) => {
    const { rows } = await this.db.query<ContextRow>(ALERT_CONTEXT, [
      keys.map((key) => key.orderId),
      keys.map((key) => key.seq),
      keys.map((key) => key.kind),
      keys.map((key) => alertEventsAfter(key.seq, key.kind)),
      PREFERENCES_SCOPE,
    ]);
    const contexts = keys.map(noAlertContext);
    for (const row of rows) {
      if (!row.alert_found) continue;
      const at = Number(row.alert_i) - 1;
      const order = rowToOrder(row);
      const standing: ContactStanding = { preferences: [], order: [], confirmed: [] };
      for (const entry of row.alert_standing ?? []) addToStanding(standing, order.id, entry);
      contexts[at] = {
        order,
        events: (row.alert_events ?? []).map(eventFrom),
        deliveries: row.alert_deliveries ?? [],
        preferences: row.alert_preferences,
        standing,
        pushSubscriptions: (row.alert_push ?? []).map(subscriptionOfRow),
        courier: row.alert_courier,
      };
    }
    return contexts;
  }, alertId);

  constructor(private readonly db: PostgresContext) {}

  alertContext(orderId: string, seq: number, kind: AlertKind): Promise<AlertContext> {
    return this.reads.load({ orderId, seq, kind });
  }
}
