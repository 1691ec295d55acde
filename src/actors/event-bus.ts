import type { LedgerEntry } from '../domain/loyalty';
import type { Order, OrderEvent } from '../domain/order';
import type { PaymentTransaction } from '../domain/payment';
import type { CourierPosition } from './courier-actor';

/** What the rest of the node learns of each applied event, after it is durable. */
export interface AppliedEvent {
  event: OrderEvent;
  order: Order;
  /**
   * Whether its record owes webhook messages (an outbox row for the webhook relay; none when the tenant has no endpoint
   * that may take them, see `OwesWebhooks`). @default true
   */
  webhooks?: boolean;
}

/** An order changed hands: who may read it changed (the previous courier no longer may). */
export interface AssignedEvent {
  order: Order;
  /** Null: the order had no courier before. */
  previousCourierId: string | null;
  /**
   * Whether its record owes webhook messages (an outbox row for the webhook relay; none when the tenant has no endpoint
   * that may take them, see `OwesWebhooks`). @default true
   */
  webhooks?: boolean;
}

/**
 * A courier's position as it arrives, with the orders it concerns (its orders on the way). Pushed live at once;
 * it is stored as their `last_location` later, in coalesced batches.
 */
export interface PositionEvent {
  tenantId: string;
  courierId: string;
  orderIds: readonly string[];
  /** Those of `orderIds` out for delivery: the only ones whose customers and tracking links are shown the position. */
  outForDelivery: readonly string[];
  position: CourierPosition;
}

/** New ETAs of a courier's orders out for delivery (API.md "Arrival"), each moved by a minute or more. */
export interface EtaEvent {
  tenantId: string;
  courierId: string;
  etas: ReadonlyArray<{ orderId: string; eta: string }>;
}

/** The store's arriving claim for an order was made here (once per order over the cluster); its alert is owed. */
export interface ArrivingEvent {
  orderId: string;
  tenantId: string;
  /** The order's version at the claim: keys the `arriving` alert. */
  seq: number;
  arrivingAt: string;
}

/** A booking on a customer's points account (accrual, reversal, redemption), after it is durable. */
export interface LoyaltyEvent {
  tenantId: string;
  entry: LedgerEntry;
  /** The account's balance after the booking. */
  balance: number;
}

/** An alert reached the customer on no channel (the alert processor's `failed` outcome), after its record is durable. */
export interface AlertFailedEvent {
  orderId: string;
  /** The alert's event. */
  seq: number;
  tenantId: string;
  /** When it was found to have failed (the outbox row's time). */
  createdAt: string;
}

/** Orders whose personal data was just erased (API.md "Privacy"): whoever holds them in memory must drop them. */
export interface ErasedEvent {
  orderIds: readonly string[];
}

/**
 * An order's tracking links were renewed (API.md "Tracking links"): links of earlier generations stop working, and
 * the sockets opened with them are cut on every node.
 */
export interface LinkRenewedEvent {
  tenantId: string;
  orderId: string;
  /** The generation now current. */
  generation: number;
}

/** A payment transaction was recorded on an order (API.md "Payments"), after it is durable. */
export interface PaymentEvent {
  /** The order with its new payment. */
  order: Order;
  transaction: PaymentTransaction;
  /**
   * Whether its record owes webhook messages (an outbox row for the webhook relay; none when the tenant has no endpoint
   * that may take them, see `OwesWebhooks`). @default true
   */
  webhooks?: boolean;
}

/** The node's in-process events. */
export interface NodeEvents {
  applied: AppliedEvent;
  assigned: AssignedEvent;
  position: PositionEvent;
  eta: EtaEvent;
  arriving: ArrivingEvent;
  loyalty: LoyaltyEvent;
  alertFailed: AlertFailedEvent;
  erased: ErasedEvent;
  linkRenewed: LinkRenewedEvent;
  payment: PaymentEvent;
}

type Listener<K extends keyof NodeEvents> = (payload: NodeEvents[K]) => void;

/**
 * In-process fan-out of the node's events to their consumers (live push, notifications, loyalty, couriers).
 * A listener that throws is reported and does not affect the emitter or the other listeners.
 */
export class EventBus {
  private readonly listeners: { [K in keyof NodeEvents]: Array<Listener<K>> } = {
    applied: [],
    assigned: [],
    position: [],
    eta: [],
    arriving: [],
    loyalty: [],
    alertFailed: [],
    erased: [],
    linkRenewed: [],
    payment: [],
  };

  constructor(private readonly onListenerError: (error: unknown, event: keyof NodeEvents) => void = () => {}) {}

  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof NodeEvents>(name: K, listener: Listener<K>): () => void {
    const list = this.listeners[name] as Array<Listener<K>>;
    list.push(listener);
    return () => {
      const index = list.indexOf(listener);
      if (index >= 0) list.splice(index, 1);
    };
  }

  emit<K extends keyof NodeEvents>(name: K, payload: NodeEvents[K]): void {
    for (const listener of this.listeners[name] as Array<Listener<K>>) {
      try {
        listener(payload);
      } catch (error) {
        this.onListenerError(error, name);
      }
    }
  }
}
