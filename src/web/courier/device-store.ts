/**
 * What the app keeps on the device in IndexedDB (API.md "The courier app": nothing is lost on a reload or when the
 * app is closed): the outbox of actions not yet answered by the server (with their pictures as Blobs), positions
 * taken on shift and not yet sent, the results shown last, and today's orders as last read (to work offline).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Money } from '../shared/i18n';
import type { CourierOrder, FailReason, Position, ScanOutcome, ScanType } from './wire';

/** A picture of a delivery's proof, uploaded before its scan goes. */
export interface QueuedPicture {
  /** The upload's `Idempotency-Key`: a retry after a lost answer gets the first upload back, never a second. */
  key: string;
  kind: 'signature' | 'photo';
  blob: Blob;
  /** The attachment's id once uploaded. */
  id: string | null;
}

/** One action the courier did, kept until the server has answered it. */
export interface QueuedAction {
  /** The scan's `event_id`: sending it twice changes nothing. */
  event_id: string;
  courier_id: string;
  /** When it was queued (ms since the epoch): actions go in this order. */
  queued_at: number;
  order_id: string;
  /** How the courier knows the order (its `external_id`, else its id), for the results. */
  order_ref: string;
  type: ScanType;
  /** When the courier did it, not when it reached the server. */
  occurred_at: string;
  location?: { lat: number; lng: number };
  note?: string;
  reason?: FailReason;
  recipient_name?: string;
  pictures: QueuedPicture[];
  /** Cash collected on a cash-on-delivery order, posted after the scan with its own `event_id`. */
  cash: { event_id: string; amount: Money } | null;
  /** The scan was answered (applied, duplicate or late); only the cash payment waits. */
  scan_sent: boolean;
}

/** What a result answers: a scan, the cash collected, or a photo of a proof. */
export type ResultSubject = ScanType | 'cod_collected' | 'photo';

/** A server's answer to one action, as the app shows it. */
export interface ShownResult {
  event_id: string;
  courier_id: string;
  order_id: string;
  order_ref: string;
  what: ResultSubject;
  outcome: ScanOutcome;
  /** The refusal's code (a `rejected` one), which the app puts in words. */
  code?: string;
  at: number;
}

interface CourierDb extends DBSchema {
  actions: { key: string; value: QueuedAction };
  positions: { key: number; value: Position & { courier_id: string } };
  results: { key: string; value: ShownResult };
  orders: { key: string; value: { courier_id: string; items: CourierOrder[]; at: number } };
}

const DB_NAME = 'courier-app';
const DB_VERSION = 1;
/** Results kept to show: the latest of a shift, not a history (the dashboard has that). */
const RESULTS_KEPT = 20;

/** The device's store for one courier. */
export class DeviceStore {
  private constructor(
    private readonly db: IDBPDatabase<CourierDb>,
    readonly courierId: string,
  ) {}

  static async open(courierId: string): Promise<DeviceStore> {
    const db = await openDB<CourierDb>(DB_NAME, DB_VERSION, {
      upgrade(database) {
        database.createObjectStore('actions', { keyPath: 'event_id' });
        database.createObjectStore('positions', { autoIncrement: true });
        database.createObjectStore('results', { keyPath: 'event_id' });
        database.createObjectStore('orders', { keyPath: 'courier_id' });
      },
    });
    return new DeviceStore(db, courierId);
  }

  close(): void {
    this.db.close();
  }

  /** This courier's waiting actions, oldest first. */
  async actions(): Promise<QueuedAction[]> {
    const all = await this.db.getAll('actions');
    return all.filter((action) => action.courier_id === this.courierId).sort((a, b) => a.queued_at - b.queued_at);
  }

  async putAction(action: QueuedAction): Promise<void> {
    await this.db.put('actions', action);
  }

  async deleteAction(eventId: string): Promise<void> {
    await this.db.delete('actions', eventId);
  }

  async addPosition(position: Position): Promise<void> {
    await this.db.add('positions', { ...position, courier_id: this.courierId });
  }

  /** Up to `limit` of this courier's buffered positions, oldest first, with their keys. */
  async positions(limit: number): Promise<Array<{ key: number; position: Position }>> {
    const found: Array<{ key: number; position: Position }> = [];
    let cursor = await this.db.transaction('positions').store.openCursor();
    while (cursor && found.length < limit) {
      const { courier_id: owner, ...position } = cursor.value;
      if (owner === this.courierId) found.push({ key: cursor.key, position });
      cursor = await cursor.continue();
    }
    return found;
  }

  async deletePositions(keys: number[]): Promise<void> {
    const transaction = this.db.transaction('positions', 'readwrite');
    await Promise.all([...keys.map((key) => transaction.store.delete(key)), transaction.done]);
  }

  /** Keeps a result, dropping the oldest beyond the ones shown. */
  async addResult(result: ShownResult): Promise<void> {
    await this.db.put('results', result);
    const mine = await this.results();
    for (const old of mine.slice(RESULTS_KEPT)) await this.db.delete('results', old.event_id);
  }

  /** This courier's results, newest first. */
  async results(): Promise<ShownResult[]> {
    const all = await this.db.getAll('results');
    return all.filter((result) => result.courier_id === this.courierId).sort((a, b) => b.at - a.at);
  }

  async keepOrders(items: CourierOrder[]): Promise<void> {
    await this.db.put('orders', { courier_id: this.courierId, items, at: Date.now() });
  }

  async keptOrders(): Promise<{ items: CourierOrder[]; at: number } | null> {
    return (await this.db.get('orders', this.courierId)) ?? null;
  }

  /** Forgets what the device kept of this courier but its waiting actions and positions (sign-out). */
  async forgetShown(): Promise<void> {
    await this.db.delete('orders', this.courierId);
    for (const result of await this.results()) await this.db.delete('results', result.event_id);
  }
}
