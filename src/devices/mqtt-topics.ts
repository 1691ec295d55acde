/**
 * The MQTT topics devices publish positions on (API.md "Devices"): which filters the nodes subscribe to, the shared
 * subscription that spreads them over the cluster, and which device and format a topic names.
 */

/** `MQTT_TOPICS` unset: OwnTracks' own layout, and the product's layout for IoT trackers. */
export const DEFAULT_MQTT_TOPICS = 'owntracks/+/+,trk/devices/+/position';

/** The message formats devices publish. */
export type MqttFormat = 'owntracks' | 'trk';

/** The device a message came from (its key is in the topic) and the format its payload is in. */
export interface MqttSource {
  format: MqttFormat;
  key: string;
}

/**
 * Reads `MQTT_TOPICS`: a comma list of topic filters, each a valid MQTT filter (`+` a whole level, `#` a whole last
 * level) and not a shared subscription already (the nodes make theirs).
 * @throws Error naming the first bad filter
 */
export function parseTopicFilters(value: string): string[] {
  const filters = value.split(',').map((filter) => filter.trim());
  for (const filter of filters) {
    if (filter === '') throw new Error('must be a comma list of topic filters, none empty');
    if (filter.startsWith('$')) throw new Error(`${filter}: must not start with $ (the nodes share the subscription themselves)`);
    const levels = filter.split('/');
    levels.forEach((level, index) => {
      if (level.includes('+') && level !== '+') throw new Error(`${filter}: + must be a whole level`);
      if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) throw new Error(`${filter}: # must be the whole last level`);
    });
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
 * The device and format of a topic a message came on: `owntracks/<user>/<key>` (the key is the device name set in
 * the OwnTracks app) or `trk/devices/<key>/position`; null for any other topic (OwnTracks' `…/event`, `…/cmd` and
 * `…/info` topics, or whatever else a wide filter lets through).
 */
export function sourceOf(topic: string): MqttSource | null {
  const levels = topic.split('/');
  if (levels.length === 3 && levels[0] === 'owntracks' && levels[1] !== '' && levels[2] !== '') return { format: 'owntracks', key: levels[2]! };
  if (levels.length === 4 && levels[0] === 'trk' && levels[1] === 'devices' && levels[2] !== '' && levels[3] === 'position') {
    return { format: 'trk', key: levels[2]! };
  }
  return null;
}
