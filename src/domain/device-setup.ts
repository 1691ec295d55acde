/** The apps and trackers a courier's positions may come from (API.md "Devices"). */
export const DEVICE_PROTOCOLS = ['osmand', 'owntracks', 'overland', 'mqtt'] as const;
export type DeviceProtocol = (typeof DEVICE_PROTOCOLS)[number];

/** What a device's app or tracker is set up with (API.md "Devices"): the address and identity it sends with. */
export type DeviceSetup =
  | { url: string; device_id: string }
  | { url: string; username: string; password: string; config_url: string }
  | { url: string; import_url: string }
  | { topic: string; owntracks_topic: string };

/** The paths devices send to, below the public URL. */
export const DEVICE_PATHS = { osmand: '/devices/osmand', owntracks: '/devices/owntracks', overland: '/devices/overland' } as const;

/**
 * How to set a device up, per protocol: Traccar Client's server URL and device identifier; OwnTracks' HTTP URL,
 * Basic credentials and an `owntracks:///config?inline=` link that imports them (mode 3, HTTP); Overland's receiver
 * URL and its `overland://setup` link; an MQTT tracker's topics.
 */
export function deviceSetup(protocol: DeviceProtocol, device: { key: string; id: string; courierId: string; publicUrl: string }): DeviceSetup {
  const base = device.publicUrl.replace(/\/+$/, '');
  const user = userName(device.courierId);
  switch (protocol) {
    case 'osmand':
      return { url: `${base}${DEVICE_PATHS.osmand}`, device_id: device.key };
    case 'owntracks': {
      const url = `${base}${DEVICE_PATHS.owntracks}`;
      // The booklet's .otrc: `mode` first (the rest is imported for the mode it names), then HTTP mode's settings.
      const configuration = { _type: 'configuration', mode: 3, url, auth: true, username: user, password: device.key, deviceId: device.id };
      // Base64 has + and /, which a query parser may take for a space or a separator: percent-encoded, both apps decode it.
      const inline = encodeURIComponent(Buffer.from(JSON.stringify(configuration)).toString('base64'));
      return { url, username: user, password: device.key, config_url: `owntracks:///config?inline=${inline}` };
    }
    case 'overland': {
      const url = `${base}${DEVICE_PATHS.overland}?key=${encodeURIComponent(device.key)}`;
      const link = new URLSearchParams({ url, token: device.key, device_id: device.id });
      return { url, import_url: `overland://setup?${link.toString()}` };
    }
    case 'mqtt':
      return { topic: `trk/devices/${device.key}/position`, owntracks_topic: `owntracks/${user}/${device.key}` };
  }
}

/**
 * The courier's id as an OwnTracks user name: a Basic user name holds no `:` and a topic level no `/`, `+` or `#`,
 * so anything but letters, digits, `.`, `_` and `-` becomes `_`. Only the key says which device sends; this is for
 * the people reading the app and the broker.
 */
function userName(courierId: string): string {
  return courierId.replace(/[^A-Za-z0-9._-]/g, '_');
}
