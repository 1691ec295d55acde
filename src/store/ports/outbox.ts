import type { EffectKind } from '../../domain/effects';

export type { EffectKind } from '../../domain/effects';

/**
 * Side effects owed by applied events (recorded with the event by `OrderLog.commitEvent`) until someone has done
 * them: what a crash between an event and its effect leaves to a sweep.
 */
export interface Outbox {
  /** Effects recorded and not yet done, oldest first. */
  pendingEffects(kind: EffectKind, createdBefore: string, limit: number): Promise<PendingEffect[]>;
  /** The effect is done (alert queued, points booked): forget it. */
  clearEffect(kind: EffectKind, orderId: string, seq: number): Promise<void>;
}

export interface PendingEffect {
  orderId: string;
  seq: number;
  tenantId: string;
}
