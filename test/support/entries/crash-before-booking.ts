/**
 * A node that dies (SIGKILL) when it is about to book loyalty points: after the event that earns (or takes back)
 * them is durable with what it owes, before the ledger has the booking. What a crash between an order's event and
 * its points leaves behind.
 */
import { runOrExit } from '../../../src/main';
import { die, replaceMethod } from './faults';

runOrExit({
  wrapStore: (store) => ({
    ...store,
    loyalty: replaceMethod(store.loyalty, 'bookLedger', (bookLedger) => (booking) => {
      die();
      return bookLedger(booking);
    }),
  }),
});
