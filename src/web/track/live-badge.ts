import { h } from './dom';
import type { MessageKey } from './i18n/en';
import type { Text } from './text';

/** The live connection as the page shows it (`[data-testid=live-state]` `data-state`). */
export type LiveState = 'live' | 'reconnecting' | 'offline';

const WORDS: Record<LiveState, { text: MessageKey; hint: MessageKey }> = {
  live: { text: 'live_live', hint: 'live_live_hint' },
  reconnecting: { text: 'live_reconnecting', hint: 'live_reconnecting_hint' },
  offline: { text: 'live_offline', hint: 'live_offline_hint' },
};

/** A small badge saying whether the page is receiving updates ("Connecting…" until it first is). */
export class LiveBadge {
  readonly element = h('p', { class: 'live-state', 'data-testid': 'live-state' });
  private state: LiveState = 'reconnecting';
  private wasLive = false;

  constructor(private text: Text) {
    this.render();
  }

  set(state: LiveState): void {
    this.state = state;
    if (state === 'live') this.wasLive = true;
    this.render();
  }

  setText(text: Text): void {
    this.text = text;
    this.render();
  }

  private render(): void {
    const { t } = this.text;
    const words = WORDS[this.state];
    this.element.setAttribute('data-state', this.state);
    this.element.className = `live-state live-${this.state}`;
    this.element.title = t(words.hint);
    const said = this.state === 'reconnecting' && !this.wasLive ? 'live_connecting' : words.text;
    this.element.replaceChildren(h('span', { class: 'live-dot', 'aria-hidden': 'true' }), t(said));
  }
}
