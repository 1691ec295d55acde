/**
 * `map`'s value for `key`, made by `make` and kept when there is none yet; past `limit` entries the oldest kept goes.
 * For values that cost far more to make than to keep (parsed addresses, Intl formats) and are asked for again and again.
 */
export function keptIn<K, V>(map: Map<K, V>, key: K, limit: number, make: () => V): V {
  if (map.has(key)) return map.get(key)!;
  const value = make();
  keepAtMost(map, key, value, limit);
  return value;
}

/**
 * Sets `key` in `map` and, past `limit` entries, drops the oldest inserted (the first in the map's order; a caller that
 * deletes a key before setting it again makes that the least recently used).
 */
export function keepAtMost<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  map.set(key, value);
  if (map.size > limit) map.delete(map.keys().next().value!);
}
