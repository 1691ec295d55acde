/**
 * `fields` of `source`, copied by name: a stored row or document carries more than the type it is read as (search
 * terms, an event log, columns of the store's own), and nothing but the named fields rides along.
 */
export function pick<T, K extends keyof T>(source: T, fields: readonly K[]): Pick<T, K> {
  const picked = {} as Pick<T, K>;
  for (const field of fields) picked[field] = source[field];
  return picked;
}
