import type { Order, OrderEvent } from '../domain/order';

/** What the rest of the node learns of each applied event, after it is durable. */
export interface AppliedEvent {
  event: OrderEvent;
  order: Order;
}

/** An order changed hands: who may read it changed (the previous courier no longer may). */
export interface AssignedEvent {
  order: Order;
  /** Null: the order had no courier before. */
  previousCourierId: string | null;
}

/** The node's in-process events, each after its write is durable. */
export interface NodeEvents {
  applied: AppliedEvent;
  assigned: AssignedEvent;
}

type Listener<K extends keyof NodeEvents> = (payload: NodeEvents[K]) => void;

/**
 * In-process fan-out of the node's events to their consumers (live push, notifications, loyalty, couriers).
 * A listener that throws is reported and does not affect the write or the other listeners.
 */
export class EventBus {
  private readonly listeners: { [K in keyof NodeEvents]: Array<Listener<K>> } = { applied: [], assigned: [] };

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

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
        this.onListenerError(error);
      }
    }
  }
}
