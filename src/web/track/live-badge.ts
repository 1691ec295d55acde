import { h } from './dom';

/** The live connection as the page shows it (`[data-testid=live-state]` `data-state`). */
export type LiveState = 'live' | 'reconnecting' | 'offline';

const WORDS: Record<LiveState, { text: string; title: string }> = {
  live: { text: 'Live', title: 'Updates appear here as they happen.' },
  reconnecting: { text: 'Reconnecting…', title: 'The connection dropped; updates will catch up as soon as it is back.' },
  offline: { text: 'Offline', title: 'No live updates: showing the last known status.' },
};

/** A small badge saying whether the page is receiving updates. */
export class LiveBadge {
  readonly element = h('p', { class: 'live-state', 'data-testid': 'live-state' });

  constructor(initial: LiveState, text?: string) {
    this.set(initial, text);
  }

  /** Shows `state`; `text` overrides the default words (e.g. "Connecting…" before the first connection). */
  set(state: LiveState, text = WORDS[state].text): void {
    this.element.setAttribute('data-state', state);
    this.element.className = `live-state live-${state}`;
    this.element.title = WORDS[state].title;
    this.element.replaceChildren(h('span', { class: 'live-dot', 'aria-hidden': 'true' }), text);
  }
}
