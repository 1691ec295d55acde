/**
 * Web Push in a page's service worker (API.md "Web Push"): installs the `push` handler that shows an alert as a
 * notification and the `notificationclick` handler that opens its link.
 *
 * A stand-in with the shape the workers import: the handlers come with the Web Push work, which replaces this file.
 */
export function installPushHandlers(): void {
  // Nothing yet: without the handlers a push that arrives shows the browser's default notice.
}
