import type { EffectKind } from '../../domain/effects';

export type { EffectKind } from '../../domain/effects';

/**
 * Side effects owed by applied events (recorded with the event by `OrderLog.commitEvent`) until someone has done
 * them: what a crash between an event and its effect leaves to a sweep.
 */
export interface Outbox {
  /** Effects recorded and not yet done, oldest first. */
  pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]>;
  /**
   * The effect is done (alert queued, points booked): forget it. The row's delete rides in the store's next write
   * of an applied event, or goes on its own shortly after (`PendingClears`); resolves once it is committed. Until
   * then `pendingEffects` on this store leaves the row out; a crash before leaves it to the sweep.
   */
  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void>;
  /**
   * Records an effect owed by a change that is not an order write (an alert that reached nobody), unless it is
   * recorded already.
   */
  oweEffect(effect: PendingEffect & { kind: EffectKind }): Promise<void>;
}

export interface PendingEffect {
  orderId: string;
  /** The applied event's seq; for a kind keyed by revision (`REVISION_KEYED_EFFECTS`), the order revision. */
  seq: number;
  tenantId: string;
  /** When the change that owes it was made. */
  createdAt: string;
}
