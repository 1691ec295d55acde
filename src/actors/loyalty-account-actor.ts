import type { LedgerBooking } from '../domain/loyalty';
import type { LedgerResult, LoyaltyLedger } from '../store/loyalty/port';
import type { Actor } from './actor-system';

/**
 * One customer's points account. Its mailbox serialises the customer's bookings on this node; the balance
 * itself is read and written inside each store transaction, so other nodes' bookings are always seen.
 */
export class LoyaltyAccountActor implements Actor<LedgerBooking, LedgerResult> {
  constructor(private readonly ledger: Pick<LoyaltyLedger, 'bookLedger'>) {}

  receive(booking: LedgerBooking): Promise<LedgerResult> {
    return this.ledger.bookLedger(booking);
  }
}
