import type { StoredPaymentProvider } from './port';

/** A tenant's payment provider; `_id` is its id. */
export type PaymentProviderDocument = Omit<StoredPaymentProvider, 'id'> & { _id: string };
