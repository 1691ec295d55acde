/**
 * The service worker side of Web Push (src/web/shared/push-worker.ts): what it takes as an alert, how it shows one, and
 * where a click on it leads. A click's window handling needs a person's click in a browser, which no test browser
 * gives a worker, so it runs here against windows the test holds.
 */
import { notificationOptions, openOrFocus, readAlert, type PushWorkerScope } from '../../src/web/shared/push-worker';

const ALERT = { title: 'Your order 1042 has shipped', body: 'Track it: …', url: 'https://track.example/track/ord_1?token=t2', order_id: 'ord_1', status: 'shipped' };

const data = (value: unknown) => ({ json: () => (typeof value === 'string' ? JSON.parse(value) : value) });

describe('readAlert', () => {
  it('takes the server’s alert, with an icon when it names one', () => {
    expect(readAlert(data(ALERT))).toEqual(ALERT);
    expect(readAlert(data({ ...ALERT, icon: '/logo.png', extra: 1 }))).toEqual({ ...ALERT, icon: '/logo.png' });
  });

  it('takes nothing else: no data, not JSON, a field missing or of another type', () => {
    expect(readAlert(null)).toBeNull();
    expect(readAlert(data('not json'))).toBeNull();
    expect(readAlert(data('"a string"'))).toBeNull();
    expect(readAlert(data({ ...ALERT, title: undefined }))).toBeNull();
    expect(readAlert(data({ ...ALERT, order_id: 7 }))).toBeNull();
  });
});

describe('notificationOptions', () => {
  it('one notification per order, sounding again when replaced, its text direction its own, the link kept for a click', () => {
    expect(notificationOptions(ALERT)).toEqual({
      body: ALERT.body,
      tag: 'order:ord_1',
      renotify: true,
      dir: 'auto',
      data: { url: ALERT.url, order_id: 'ord_1', status: 'shipped' },
    });
    expect(notificationOptions({ ...ALERT, icon: '/logo.png' }).icon).toBe('/logo.png');
  });
});

describe('openOrFocus', () => {
  /** Windows the worker sees, and what it did with them. */
  function scopeWith(urls: string[], { navigable = true } = {}) {
    const done: string[] = [];
    const windows = urls.map((url) => {
      const window = {
        url,
        focus: async () => {
          done.push(`focus ${url}`);
          return window;
        },
        navigate: async (to: string) => {
          if (!navigable) throw new TypeError('not controlled');
          done.push(`navigate ${to}`);
          return window;
        },
      };
      return window;
    });
    const scope: Pick<PushWorkerScope, 'clients'> = {
      clients: {
        matchAll: async () => windows,
        openWindow: async (url) => {
          done.push(`open ${url}`);
          return null;
        },
      },
    };
    return { scope, done };
  }

  it('focuses the window showing the order’s page', async () => {
    const { scope, done } = scopeWith(['https://track.example/track/ord_2?token=x', ALERT.url]);
    await openOrFocus(scope, ALERT.url);
    expect(done).toEqual([`focus ${ALERT.url}`]);
  });

  it('takes a window showing the order with an older link to the alert’s link', async () => {
    const older = 'https://track.example/track/ord_1?token=t1';
    const { scope, done } = scopeWith([older]);
    await openOrFocus(scope, ALERT.url);
    expect(done).toEqual([`focus ${older}`, `navigate ${ALERT.url}`]);
  });

  it('leaves a window it may not navigate focused as it is', async () => {
    const older = 'https://track.example/track/ord_1?token=t1';
    const { scope, done } = scopeWith([older], { navigable: false });
    await openOrFocus(scope, ALERT.url);
    expect(done).toEqual([`focus ${older}`]);
  });

  it('opens the link when no window shows the order (another order, another host)', async () => {
    const { scope, done } = scopeWith(['https://track.example/track/ord_2?token=x', 'https://elsewhere.example/track/ord_1']);
    await openOrFocus(scope, ALERT.url);
    expect(done).toEqual([`open ${ALERT.url}`]);
  });
});
