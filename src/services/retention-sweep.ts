import { setTimeout as pause } from 'node:timers/promises';
import type { EventBus } from '../actors/event-bus';
import { newId } from '../domain/ids';
import { retentionCutoff } from '../domain/privacy';
import type { ContactBook } from '../store/contacts/port';
import type { AttachmentStore } from '../store/attachments/port';
import type { PrivacyRecords } from '../store/privacy/port';
import type { PushRegistry } from '../store/push/port';

export interface RetentionSweepOptions {
  store: {
    privacy: Pick<PrivacyRecords, 'retentionTenants' | 'eraseExpiredOrders' | 'purgeErased' | 'recordPrivacyAudit'>;
    contacts: Pick<ContactBook, 'pruneCodes' | 'forgetOrderContacts' | 'expireConfirmations'>;
    /** Uploads no proof used; the pictures of erased orders' proofs go with their orders (`PrivacyRecords`). */
    attachments: Pick<AttachmentStore, 'eraseUnusedAttachments'>;
    /** The push subscriptions of the erased orders' tracking links, and customers' own ones not renewed in time. */
    push: Pick<PushRegistry, 'forgetOrderPushSubscriptions' | 'expirePushSubscriptions'>;
  };
  /** Told of every erased batch (`erased`), so cached copies of those orders are dropped on every node. */
  bus: Pick<EventBus, 'emit'>;
  /** @default the system clock */
  now?: () => Date;
  /**
   * How often the sweep runs; 0: never on its own (tests call {@link RetentionSweep.sweep}).
   * @default 3600000 (hourly: retention counts in days)
   */
  intervalMs?: number;
  /**
   * Orders erased per write: one short transaction, so the API's writes wait at most one batch.
   * @default 200
   */
  batchSize?: number;
  /**
   * Pause between batches, leaving the store to the API's writes.
   * @default 20
   */
  pauseMs?: number;
  onError?: (error: unknown) => void;
}

// How long a confirmation code is kept: the hour in which at most a few codes go to one address.
const CODE_WINDOW_MS = 3_600_000;

/**
 * How long an upload no proof used is kept: a courier uploads a delivery's pictures just before its scan (the app sends
 * them first when the network is back), so one still unused after a day belongs to a delivery that never happened or
 * whose proof was refused, and nothing will ever show it.
 */
export const UNUSED_ATTACHMENT_HOURS = 24;

/**
 * The retention sweep (API.md "Privacy"): for each tenant with `retention_days` set, erases the personal data of
 * orders terminal (delivered, returned, cancelled) for longer, as an erasure does, in bounded batches with pauses
 * between them, and the confirmation codes past their hour, the addresses customers set on those orders themselves
 * and the push subscriptions their tracking links made, and the confirmations and customers' own push subscriptions
 * older than the retention. Several nodes may sweep at once: each batch takes orders not erased yet, and an order erased twice is
 * erased the same, so a second sweeper only shares the work. Each sweep that erased anything is in the audit trail.
 * In every tenant, retention set or not, pictures uploaded more than {@link UNUSED_ATTACHMENT_HOURS} ago that no proof
 * used are deleted too.
 */
export class RetentionSweep {
  private readonly now: () => Date;
  private readonly batchSize: number;
  private readonly pauseMs: number;
  private readonly timer: NodeJS.Timeout | null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(private readonly options: RetentionSweepOptions) {
    this.now = options.now ?? (() => new Date());
    this.batchSize = options.batchSize ?? 200;
    this.pauseMs = options.pauseMs ?? 20;
    const intervalMs = options.intervalMs ?? 3_600_000;
    if (!(this.batchSize >= 1)) throw new RangeError('RetentionSweep: batchSize must be >= 1');
    if (!(this.pauseMs >= 0)) throw new RangeError('RetentionSweep: pauseMs must be >= 0');
    if (!(intervalMs >= 0)) throw new RangeError('RetentionSweep: intervalMs must be >= 0');
    this.timer = intervalMs > 0 ? setInterval(() => void this.sweep().catch((error) => options.onError?.(error)), intervalMs) : null;
    this.timer?.unref();
  }

  /** Runs one sweep over every tenant (joining the one in progress); resolves with how many orders it erased. */
  sweep(): Promise<number> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Stops the timer and waits for a sweep in progress (it stops after its current batch). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => {});
  }

  private async run(): Promise<number> {
    const { store, bus } = this.options;
    // Codes serve nothing past their rate window (an hour), in every tenant, retention set or not.
    await store.contacts.pruneCodes(new Date(this.now().getTime() - CODE_WINDOW_MS).toISOString());
    await this.eraseUnusedAttachments();
    let total = 0;
    for (const { tenantId, retentionDays } of await store.privacy.retentionTenants()) {
      const now = this.now();
      const at = now.toISOString();
      const cutoff = retentionCutoff(now, retentionDays);
      let erased = 0;
      while (!this.stopped) {
        const ids = await store.privacy.eraseExpiredOrders(tenantId, cutoff, at, this.batchSize);
        // The addresses the customer put on those orders itself go with the orders' personal data.
        await store.contacts.forgetOrderContacts(tenantId, ids);
        await store.push.forgetOrderPushSubscriptions(tenantId, ids);
        if (ids.length > 0) bus.emit('erased', { orderIds: ids });
        erased += ids.length;
        if (ids.length < this.batchSize) break;
        await pause(this.pauseMs);
      }
      // A confirmation is kept as long as the tenant keeps orders: older ones are asked for again.
      await store.contacts.expireConfirmations(tenantId, cutoff);
      // Likewise a customer's own push subscription: one its browser has not posted again since is dropped.
      await store.push.expirePushSubscriptions(tenantId, cutoff);
      if (erased > 0) {
        await store.privacy.recordPrivacyAudit({
          id: newId('aud', now.getTime()),
          tenant_id: tenantId,
          action: 'retention',
          customer_id: null,
          orders: erased,
          actor: 'retention',
          at,
        });
      }
      total += erased;
      if (this.stopped) break;
    }
    // Every time, even with nothing erased now: a sweep cut short before this point (a crash) left what it deleted
    // readable in the embedded store's log, and this run finds nothing left to erase.
    await store.privacy.purgeErased();
    return total;
  }

  /** Deletes the uploads no proof used that are older than {@link UNUSED_ATTACHMENT_HOURS}, a batch per write. */
  private async eraseUnusedAttachments(): Promise<void> {
    const before = new Date(this.now().getTime() - UNUSED_ATTACHMENT_HOURS * 3_600_000).toISOString();
    while (!this.stopped) {
      if ((await this.options.store.attachments.eraseUnusedAttachments(before, this.batchSize)) < this.batchSize) return;
      await pause(this.pauseMs);
    }
  }
}
