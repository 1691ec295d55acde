import { DEFAULT_MQTT_TOPICS, deviceKeyOf, parseTopicFilters, sharedFilter } from '../../src/devices/mqtt-topics';

describe('MQTT device topics (API.md "Devices")', () => {
  const defaults = parseTopicFilters(DEFAULT_MQTT_TOPICS);

  it('reads the key from OwnTracks\' topic and the product\'s', () => {
    expect(deviceKeyOf(defaults, 'owntracks/kim/dev_abc')).toBe('dev_abc');
    expect(deviceKeyOf(defaults, 'trk/devices/dev_abc/position')).toBe('dev_abc');
  });

  it('names no device for topics the filters do not match, or whose key level is empty', () => {
    for (const topic of ['owntracks/kim/dev_abc/event', 'owntracks/kim', 'owntracks/kim/', 'trk/devices/dev_abc/battery', 'trk/devices//position', 'other/kim/dev_abc']) {
      expect(deviceKeyOf(defaults, topic)).toBeNull();
    }
  });

  it('takes the level under the last + of the first filter that matches, for filters of the operator\'s own', () => {
    const filters = parseTopicFilters('acme/+/owntracks/+/+,fleet/+/gps');
    expect(deviceKeyOf(filters, 'acme/hk/owntracks/kim/dev_abc')).toBe('dev_abc');
    expect(deviceKeyOf(filters, 'fleet/dev_van7/gps')).toBe('dev_van7');
    expect(deviceKeyOf(filters, 'fleet/dev_van7/gps/extra')).toBeNull();
  });

  it('shares each filter in the cluster\'s group', () => {
    expect(defaults.map((filter) => sharedFilter('trk', filter))).toEqual(['$share/trk/owntracks/+/+', '$share/trk/trk/devices/+/position']);
  });
});
