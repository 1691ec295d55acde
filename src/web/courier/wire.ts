/** The API's answers as the courier app reads them (API.md), derived from the server's own types. */
import type { OrderView } from '../../domain/order';
import type { FailReason, ProofInput } from '../../domain/proof';
import type { ScanType } from '../../domain/scan';

export type { FailReason } from '../../domain/proof';
export type { ScanType } from '../../domain/scan';

/** An order as `GET /v1/couriers/me/orders` and `GET /v1/orders/:id` answer it. */
export type CourierOrder = OrderView & { promised_by?: string | null };

/** The courier's own record (`GET /v1/couriers/me`, and in a new session). */
export interface CourierRecord {
  id: string;
  name: string;
}

/** `POST /v1/courier-sessions`. */
export interface CourierSessionAnswer {
  token: string;
  expires_at: string;
  courier: CourierRecord;
}

/** One scan of `POST /v1/scans`. */
export interface ScanItem {
  event_id: string;
  order_id: string;
  type: ScanType;
  occurred_at: string;
  location?: { lat: number; lng: number };
  note?: string;
  reason?: FailReason;
  proof?: ProofInput;
}

export type ScanOutcome = 'applied' | 'duplicate' | 'late' | 'rejected';

/** One result of `POST /v1/scans`, at its scan's position. */
export interface ScanResult {
  event_id: string | null;
  outcome: ScanOutcome;
  seq?: number;
  error?: { code: string; message: string };
}

/** `POST /v1/attachments`. */
export interface AttachmentAnswer {
  id: string;
}

/** One position of `POST /v1/couriers/me/locations`. */
export interface Position {
  lat: number;
  lng: number;
  heading?: number;
  speed?: number;
  at: string;
}
