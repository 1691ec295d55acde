/**
 * The tracking page's push toggle (src/web/track/push-toggle.ts) on a page of its own, for
 * test/e2e/tracking-push-toggle.test.ts: the browser's Web Push is played by the test, which says what the device's
 * state is and answers each turning on or off when it chooses (`window.pushToggle`).
 */
import type { Language } from '../../../src/web/shared/i18n';
import type { PushOptions, PushState } from '../../../src/web/shared/push-client';
import { ar } from '../../../src/web/track/i18n/ar';
import { en, type Catalog } from '../../../src/web/track/i18n/en';
import { zhHK } from '../../../src/web/track/i18n/zh-HK';
import { PushToggle, type PushControl } from '../../../src/web/track/push-toggle';
import { textFor } from '../../../src/web/track/text';

const CATALOGS: Record<Language, Catalog> = { en, 'zh-HK': zhHK, ar };

/** What the test sees and does. */
export interface PushToggleHarness {
  /** Puts a toggle in the page, in `language`, for a device whose state is `state`. */
  mount(language: Language, state: PushState | 'broken'): void;
  /** Says the toggle's words in another language. */
  speak(language: Language): void;
  /** The calls the toggle made, with the options it gave. */
  calls: Array<{ call: 'state' | 'enable' | 'disable'; options: PushOptions }>;
  /** Answers the turning on or off under way: the new state, or a failure. */
  answer(result: PushState | 'fail'): void;
  /** The device's state from now on (what `state` answers). */
  state: PushState;
}

declare global {
  interface Window {
    pushToggle: PushToggleHarness;
  }
}

const OPTIONS: PushOptions = { token: 'tracking-token', worker: '/track/sw.js', scope: '/track/', storageKey: 'track.push.ord_1' };
let toggle: PushToggle | null = null;
let pending: ((result: PushState | 'fail') => void) | null = null;

const harness: PushToggleHarness = {
  calls: [],
  state: 'unsupported',
  mount(language, state) {
    const control: PushControl = {
      state: async (options) => {
        harness.calls.push({ call: 'state', options });
        if (state === 'broken') throw new Error('no push here');
        return harness.state;
      },
      enable: (options) => change('enable', options),
      disable: (options) => change('disable', options),
    };
    if (state !== 'broken') harness.state = state;
    toggle = new PushToggle(textFor(language, CATALOGS[language]), OPTIONS, control);
    document.getElementById('app')!.replaceChildren(toggle.element);
  },
  speak(language) {
    document.documentElement.lang = language;
    toggle!.setText(textFor(language, CATALOGS[language]));
  },
  answer(result) {
    const answer = pending!;
    pending = null;
    if (result !== 'fail') harness.state = result;
    answer(result);
  },
};

function change(call: 'enable' | 'disable', options: PushOptions): Promise<PushState> {
  harness.calls.push({ call, options });
  return new Promise((resolve, reject) => {
    pending = (result) => (result === 'fail' ? reject(new Error('refused')) : resolve(result));
  });
}

window.pushToggle = harness;
