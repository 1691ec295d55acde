/**
 * `map`'s value for `key`, made by `make` and kept when there is none yet; past `limit` entries the oldest kept goes.
 * For values that cost far more to make than to keep (parsed addresses, Intl formats) and are asked for again and again.
 */
export function keptIn<K, V>(map: Map<K, V>, key: K, limit: number, make: () => V): V {
  if (map.has(key)) return map.get(key)!;
  const value = make();
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value!);
  return value;
}
