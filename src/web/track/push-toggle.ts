import { disablePush, enablePush, pushState, type PushOptions, type PushState } from '../shared/push-client';
import { h } from './dom';
import type { Text } from './text';

/** Web Push as the toggle uses it (shared/push-client.ts); a test hands in its own. */
export interface PushControl {
  state: (options: PushOptions) => Promise<PushState>;
  enable: (options: PushOptions) => Promise<PushState>;
  disable: (options: PushOptions) => Promise<PushState>;
}

const BROWSER_PUSH: PushControl = { state: pushState, enable: enablePush, disable: disablePush };

/**
 * Alerts as notifications on this device (API.md "Web Push"): a switch (`[data-testid=push-toggle]`, `role=switch`,
 * `data-state` the device's state) with a line on what it does. Where the browser cannot show them the whole panel
 * stays hidden; where the person blocked them, the switch is off and disabled and the line says how to allow them.
 */
export class PushToggle {
  readonly element = h('section', { class: 'panel push-panel', hidden: '' });
  private readonly label = h('span', { class: 'push-label' });
  private readonly button = h(
    'button',
    { type: 'button', role: 'switch', class: 'push-switch', 'data-testid': 'push-toggle', 'aria-checked': 'false', 'aria-describedby': 'push-note' },
    this.label,
    h('span', { class: 'push-track', 'aria-hidden': 'true' }, h('span', { class: 'push-thumb' })),
  );
  private readonly note = h('p', { id: 'push-note', class: 'push-note' });
  private state: PushState = 'unsupported';
  private busy = false;
  private failed = false;

  constructor(
    private text: Text,
    private readonly options: PushOptions,
    private readonly push: PushControl = BROWSER_PUSH,
  ) {
    this.element.append(this.button, this.note);
    this.button.addEventListener('click', () => void this.toggle());
    this.render();
    void this.push.state(options).then(
      (state) => this.show(state),
      () => this.show('unsupported'),
    );
  }

  setText(text: Text): void {
    this.text = text;
    this.render();
  }

  private async toggle(): Promise<void> {
    if (this.busy || (this.state !== 'on' && this.state !== 'off')) return;
    this.busy = true;
    this.render();
    let state: PushState = this.state;
    try {
      state = state === 'on' ? await this.push.disable(this.options) : await this.push.enable(this.options);
      this.failed = false;
    } catch {
      // Refused by the push service or the server: the device's state is whatever it is now.
      this.failed = true;
      state = await this.push.state(this.options).catch(() => state);
    }
    this.busy = false;
    this.show(state);
  }

  private show(state: PushState): void {
    this.state = state;
    this.render();
  }

  private render(): void {
    const { t } = this.text;
    this.element.hidden = this.state === 'unsupported';
    this.label.textContent = t('push_label');
    this.button.setAttribute('data-state', this.state);
    this.button.setAttribute('aria-checked', String(this.state === 'on'));
    this.button.disabled = this.busy || this.state === 'denied';
    this.button.setAttribute('aria-busy', String(this.busy));
    this.note.textContent = t(this.state === 'denied' ? 'push_denied' : this.failed ? 'push_failed' : 'push_hint');
    this.note.classList.toggle('push-problem', this.state === 'denied' || this.failed);
  }
}
