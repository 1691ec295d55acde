import { TrackingClient, type TrackingClientEvents } from '../../client/tracking-client';
import { Observable } from '../courier/observable';

/** The live connection as the portal shows it (`[data-testid=live-state]` `data-state`). */
export type LiveState = 'live' | 'reconnecting' | 'offline';

/**
 * The customer's one live connection (API.md "Live updates"): the orders the portal shows are subscribed to through it
 * (each at the seq the portal has, so nothing is missed or seen twice across reconnections), and the customer's
 * points bookings arrive on it without subscribing. Several views may watch one order: it stays subscribed until the
 * last lets go.
 */
export class PortalLive extends Observable {
  readonly client: TrackingClient;
  private connected = false;
  private closed = false;
  private readonly watchers = new Map<string, number>();
  private readonly onNetwork = (): void => this.changed();

  /** @param onRefused the server refused the token (expired or revoked): the session is over */
  constructor(token: string, onRefused: () => void) {
    super();
    this.client = new TrackingClient({
      urls: [window.location.origin],
      token,
      // WebSocket first (one round trip less); long-polling where a network blocks WebSockets.
      socket: { transports: ['websocket', 'polling'], tryAllTransports: true },
      maxBackoffMs: 5000,
    });
    this.client.on('connected', () => {
      this.connected = true;
      this.changed();
    });
    this.client.on('disconnected', () => {
      this.connected = false;
      this.changed();
    });
    this.client.on('connect_failed', (_url, message) => {
      if (message === 'unauthorized' && !this.closed) onRefused();
    });
    window.addEventListener('online', this.onNetwork);
    window.addEventListener('offline', this.onNetwork);
    void this.client.connect();
  }

  get state(): LiveState {
    if (!navigator.onLine) return 'offline';
    return this.connected ? 'live' : 'reconnecting';
  }

  /** Calls `listener` on each of the client's `event`; returns what stops it. */
  listen<E extends keyof TrackingClientEvents>(event: E, listener: TrackingClientEvents[E]): () => void {
    this.client.on(event, listener as never);
    return () => this.client.off(event, listener as never);
  }

  /** Follows an order from `sinceSeq` (the seq the caller shows), or joins the watch already on it. */
  watch(orderId: string, sinceSeq: number): void {
    const count = this.watchers.get(orderId) ?? 0;
    this.watchers.set(orderId, count + 1);
    if (count > 0) return;
    this.client.subscribe(orderId, { sinceSeq }).catch(() => {
      // Refused (the order is gone from this customer, or too many): the portal shows what it last read.
      this.watchers.delete(orderId);
    });
  }

  unwatch(orderId: string): void {
    const count = this.watchers.get(orderId) ?? 0;
    if (count > 1) {
      this.watchers.set(orderId, count - 1);
      return;
    }
    if (count === 1) {
      this.watchers.delete(orderId);
      this.client.unsubscribe(orderId);
    }
  }

  close(): void {
    this.closed = true;
    window.removeEventListener('online', this.onNetwork);
    window.removeEventListener('offline', this.onNetwork);
    this.client.close();
  }
}
