import type { Order, OrderEvent } from '../domain/order';

/** What the rest of the node learns of each applied event, after it is durable. */
export interface AppliedEvent {
  event: OrderEvent;
  order: Order;
}

export type AppliedEventListener = (applied: AppliedEvent) => void;

/**
 * In-process fan-out of applied events to their consumers (live push, notifications, loyalty).
 * A listener that throws is reported and does not affect the write or the other listeners.
 */
export class EventBus {
  private readonly listeners: AppliedEventListener[] = [];

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** Adds a listener; returns a function that removes it. */
  subscribe(listener: AppliedEventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  publish(applied: AppliedEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(applied);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
