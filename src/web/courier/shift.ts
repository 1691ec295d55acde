/**
 * The courier's shift (API.md "The courier app"): while on, the device's positions (Geolocation API) are kept on
 * the device at most every 5 seconds and sent in batches with `POST /v1/couriers/me/locations`; while offline they
 * wait on the device and go out, oldest first, when the network is back. Being on shift is kept on the device, so a
 * reload does not end it.
 */
import { ApiError } from '../shared/api';
import { Backoff } from './backoff';
import { isRetryable, type CourierApi } from './courier-api';
import type { DeviceStore } from './device-store';
import { Observable } from './observable';
import type { Position } from './wire';

/** API.md: at most one position every 5 seconds. */
const EVERY_MS = 5_000;
/** API.md: a batch holds at most 100 positions. */
const PER_BATCH = 100;
/** A position older than this is not where the courier is any more: scans do not carry it. */
const FRESH_MS = 120_000;

export type LocationTrouble = 'denied' | 'unavailable' | 'unsupported' | null;

export class Shift extends Observable {
  on: boolean;
  /** The device's latest position (shown on the map). */
  here: Position | null = null;
  trouble: LocationTrouble = null;
  private watch: number | null = null;
  private lastKept = 0;
  private keepTimer: ReturnType<typeof setTimeout> | null = null;
  private sending = false;
  private again = false;
  private closed = false;
  private readonly backoff = new Backoff(() => void this.send());
  private readonly storageKey: string;

  constructor(
    private readonly store: DeviceStore,
    private readonly api: CourierApi,
  ) {
    super();
    this.storageKey = `courier.shift.${store.courierId}`;
    this.on = readFlag(this.storageKey);
  }

  /** Resumes a shift that was on, and sends positions left over from before. */
  start(): void {
    if (this.on) this.watchPositions();
    void this.send();
  }

  close(): void {
    this.closed = true;
    this.stopWatching();
    this.backoff.cancel();
  }

  toggle(): void {
    this.on = !this.on;
    writeFlag(this.storageKey, this.on);
    if (this.on) this.watchPositions();
    else this.stopWatching();
    this.changed();
  }

  /** Where the courier is, for a scan: only a recent position. */
  recentPlace(now = Date.now()): { lat: number; lng: number } | undefined {
    if (!this.here || now - Date.parse(this.here.at) > FRESH_MS) return undefined;
    return { lat: this.here.lat, lng: this.here.lng };
  }

  retryNow(): void {
    this.backoff.now();
  }

  private watchPositions(): void {
    if (this.watch !== null) return;
    if (!('geolocation' in navigator)) {
      this.trouble = 'unsupported';
      this.changed();
      return;
    }
    this.watch = navigator.geolocation.watchPosition(
      (found) => this.take(found),
      (error) => {
        this.trouble = error.code === error.PERMISSION_DENIED ? 'denied' : 'unavailable';
        this.changed();
      },
      { enableHighAccuracy: true, maximumAge: EVERY_MS, timeout: 60_000 },
    );
  }

  private stopWatching(): void {
    if (this.watch !== null) navigator.geolocation.clearWatch(this.watch);
    this.watch = null;
    if (this.keepTimer) clearTimeout(this.keepTimer);
    this.keepTimer = null;
  }

  private take(found: GeolocationPosition): void {
    const { latitude, longitude, heading, speed } = found.coords;
    const position: Position = { lat: latitude, lng: longitude, at: new Date(found.timestamp || Date.now()).toISOString() };
    if (heading !== null && Number.isFinite(heading) && heading >= 0 && heading <= 360) position.heading = heading;
    if (speed !== null && Number.isFinite(speed) && speed >= 0) position.speed = speed;
    this.here = position;
    this.trouble = null;
    this.changed();
    if (this.on) this.keepSoon();
  }

  /**
   * Keeps the latest position at most every 5 seconds: at once when the last was kept long enough ago, otherwise
   * when the 5 seconds are up (so the newest position always goes, also when the courier then stands still).
   */
  private keepSoon(): void {
    if (this.keepTimer) return;
    const wait = Math.max(0, this.lastKept + EVERY_MS - Date.now());
    this.keepTimer = setTimeout(() => {
      this.keepTimer = null;
      void this.keep();
    }, wait);
  }

  private async keep(): Promise<void> {
    if (!this.on || !this.here || this.closed) return;
    this.lastKept = Date.now();
    await this.store.addPosition(this.here);
    await this.send();
  }

  /** Sends the buffered positions, a batch at a time, until none is left. */
  private async send(): Promise<void> {
    if (this.closed) return;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = true;
    try {
      do {
        this.again = false;
        for (;;) {
          const batch = await this.store.positions(PER_BATCH);
          if (batch.length === 0) break;
          try {
            await this.api.post('/v1/couriers/me/locations', { positions: batch.map((entry) => entry.position) });
          } catch (error) {
            // A batch the server refuses for good (a device clock far ahead, say) would block every later one.
            if (error instanceof ApiError && error.status !== 401 && !isRetryable(error)) {
              await this.store.deletePositions(batch.map((entry) => entry.key));
              continue;
            }
            throw error;
          }
          await this.store.deletePositions(batch.map((entry) => entry.key));
        }
      } while (this.again && !this.closed);
      this.backoff.succeeded();
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401) && !this.closed) this.backoff.failed();
    } finally {
      this.sending = false;
    }
  }
}

function readFlag(key: string): boolean {
  try {
    return localStorage.getItem(key) === 'on';
  } catch {
    return false;
  }
}

function writeFlag(key: string, on: boolean): void {
  try {
    if (on) localStorage.setItem(key, 'on');
    else localStorage.removeItem(key);
  } catch {
    // storage disabled: the shift lasts as long as the page
  }
}
