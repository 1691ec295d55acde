/**
 * The MQTT topics devices publish positions on (API.md "Devices"): which filters the nodes subscribe to, the shared
 * subscription that spreads them over the cluster, and which device a topic names.
 */

/** `MQTT_TOPICS` unset: OwnTracks' own layout, and the product's layout for IoT trackers. */
export const DEFAULT_MQTT_TOPICS = 'owntracks/+/+,trk/devices/+/position';

/**
 * Reads `MQTT_TOPICS`: a comma list of topic filters. The level under a filter's last `+` is the device's key
 * (`owntracks/<user>/<key>`, `trk/devices/<key>/position`), so each filter has one, and no `#` (which would let
 * through topics where that level is something else, as OwnTracks' `…/<key>/event`). Shared subscriptions are the
 * nodes' own doing, so no filter starts with `$`.
 * @throws Error naming the first bad filter
 */
export function parseTopicFilters(value: string): string[] {
  const filters = value.split(',').map((filter) => filter.trim());
  for (const filter of filters) {
    if (filter === '') throw new Error('must be a comma list of topic filters, none empty');
    if (filter.startsWith('$')) throw new Error(`${filter}: must not start with $ (the nodes share the subscription themselves)`);
    const levels = filter.split('/');
    if (levels.some((level) => level.includes('#'))) throw new Error(`${filter}: must not have #: a + names the level that is the device's key`);
    if (levels.some((level) => level.includes('+') && level !== '+')) throw new Error(`${filter}: + must be a whole level`);
    if (!levels.includes('+')) throw new Error(`${filter}: must have a + for the level that is the device's key`);
  }
  return [...new Set(filters)];
}

/**
 * The shared subscription of a topic filter: each message on it goes to one subscriber of the group, and the group
 * is the cluster (named after its `REDIS_PREFIX`, which every node of one cluster shares and no other cluster does).
 */
export function sharedFilter(group: string, filter: string): string {
  return `$share/${group}/${filter}`;
}

/**
 * The key of the device a message came from: the level of its topic under the last `+` of the first filter that
 * matches it; null when none does or that level is empty (`owntracks/kim/`).
 */
export function deviceKeyOf(filters: readonly string[], topic: string): string | null {
  const levels = topic.split('/');
  for (const filter of filters) {
    const pattern = filter.split('/');
    if (pattern.length !== levels.length || !pattern.every((level, index) => level === '+' || level === levels[index])) continue;
    const key = levels[pattern.lastIndexOf('+')]!;
    return key === '' ? null : key;
  }
  return null;
}
