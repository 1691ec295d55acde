import type { ArrivalLog } from './ports/arrival-log';
import type { DeliveryLog } from './ports/delivery-log';
import type { LoyaltyLedger } from './ports/loyalty-ledger';
import type { OrderLog } from './ports/order-log';
import type { OrderSearch } from './ports/order-search';
import type { Outbox } from './ports/outbox';
import type { PreferenceBook } from './ports/preference-book';
import type { PrivacyRecords } from './ports/privacy';
import type { StoreLifecycle } from './ports/store-lifecycle';
import type { SourceDirectory } from './ports/source-directory';
import type { TenantDirectory } from './ports/tenant-directory';
import type { WebhookDirectory } from './ports/webhook-directory';
import type { WebhookLog } from './ports/webhook-log';

export type * from './ports/arrival-log';
export type * from './ports/delivery-log';
export type * from './ports/loyalty-ledger';
export type * from './ports/order-log';
export type * from './ports/order-search';
export type * from './ports/outbox';
export type * from './ports/preference-book';
export type * from './ports/privacy';
export type * from './ports/store-lifecycle';
export type * from './ports/source-directory';
export type * from './ports/tenant-directory';
export type * from './ports/webhook-directory';
export type * from './ports/webhook-log';

/**
 * A whole store: every port (`ports/`), one per aggregate. This is what an adapter implements (one class may
 * implement all of them) and what the composition root hands out; every other part of the node depends on the
 * narrow slice it uses (`Pick<OrderLog, …>`, `Outbox`, …), never on this. Rules the store must keep are decided in
 * `src/domain/` (which status owes what, how a booking is decided), so an adapter only stores and guards: unique
 * keys, the revision compare-and-set, atomic writes.
 */
export type Store = StoreLifecycle &
  TenantDirectory &
  OrderLog &
  ArrivalLog &
  OrderSearch &
  Outbox &
  LoyaltyLedger &
  DeliveryLog &
  PreferenceBook &
  PrivacyRecords &
  SourceDirectory &
  WebhookDirectory &
  WebhookLog;
