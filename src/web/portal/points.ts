import { Observable } from '../courier/observable';
import type { PortalLive } from './live';
import { customerPath, isOffline, type PortalApi } from './portal-api';
import type { LoyaltyAccount, LoyaltyEntry } from './wire';

export type PointsState = 'loading' | 'ready' | 'offline' | 'failed';
export type RedemptionKind = 'discount' | 'charity';

/**
 * The customer's points (API.md "Loyalty"): the balance and its entries, newest first, kept live by the
 * `loyalty_update` pushes to the customer's sockets (the balance at once, the entries read again), and redemptions.
 */
export class Points extends Observable {
  state: PointsState = 'loading';
  balance: number | null = null;
  entries: LoyaltyEntry[] = [];
  /** Moves on with every push and read asked for: an answer to an older read never overwrites a newer balance. */
  private generation = 0;
  private readonly stop: () => void;

  constructor(
    private readonly api: PortalApi,
    live: PortalLive,
    private readonly customerId: string,
  ) {
    super();
    this.stop = live.listen('loyalty', (update) => {
      if (update.customer_id !== customerId) return;
      this.generation++;
      this.balance = update.balance;
      this.changed();
      void this.load();
    });
  }

  async load(): Promise<void> {
    const generation = ++this.generation;
    try {
      const account = await this.api.get<LoyaltyAccount>(customerPath(this.customerId, 'loyalty'));
      if (generation !== this.generation) return;
      this.balance = account.balance;
      this.entries = [...account.entries].sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
      this.state = 'ready';
    } catch (error) {
      if (generation !== this.generation) return;
      if (this.state !== 'ready') this.state = isOffline(error) ? 'offline' : 'failed';
    }
    this.changed();
  }

  /**
   * Redeems points; `eventId` makes a retry of the same redemption (after a lost answer) count once. Resolves with
   * the entry booked; the account is read again.
   */
  async redeem(points: number, kind: RedemptionKind, eventId: string): Promise<LoyaltyEntry> {
    const entry = await this.api.post<LoyaltyEntry>(customerPath(this.customerId, 'loyalty/redemptions'), { points, kind, event_id: eventId });
    void this.load();
    return entry;
  }

  close(): void {
    this.stop();
  }
}
