import type { Order } from '../domain/order';

/**
 * The lower-cased terms an order is found by, matched by prefix against `q` (API.md: id, external id, customer
 * name, email, phone). Every adapter indexes the same terms, so `q` finds the same orders whatever the store.
 */
export function searchTerms(order: Order): string[] {
  const terms = new Set<string>();
  const add = (value: string | null | undefined): void => {
    const term = value?.trim().toLowerCase();
    if (term) terms.add(term);
  };
  add(order.id);
  add(order.external_id);
  add(order.customer.email);
  add(order.customer.name);
  for (const word of order.customer.name?.split(/\s+/) ?? []) add(word);
  if (order.customer.phone) {
    add(order.customer.phone);
    add(order.customer.phone.replace(/\D/g, ''));
  }
  return [...terms];
}
