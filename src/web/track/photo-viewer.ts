import { h } from './dom';
import type { Text } from './text';

/**
 * A delivery photo shown larger, over the page: a modal `<dialog>` (focus stays inside, Escape or a tap closes it,
 * focus goes back to the photo). The photo's own `<img>` moves in and back out: the picture is served `no-store` by
 * a link that lasts an hour, so a second `<img>` could fetch it again, or find the link expired.
 */
export class PhotoViewer {
  /** Belongs inside the proof, so the photo stays within it while shown larger. */
  readonly element: HTMLDialogElement;
  private readonly close = h('button', { type: 'button', class: 'viewer-close' });
  private showing: { image: HTMLImageElement; opener: HTMLButtonElement } | null = null;

  constructor(text: Text) {
    this.setText(text);
    this.element = h('dialog', { class: 'photo-viewer' }, this.close);
    // Where <dialog> is unknown it would show inline, its button and all.
    if (!this.supported) this.element.hidden = true;
    // Anywhere: the photo, the dark around it or the button. A photo has nothing else to tap.
    this.element.addEventListener('click', () => this.element.close());
    this.element.addEventListener('close', () => this.putBack());
  }

  setText({ t }: Text): void {
    this.close.textContent = t('close');
  }

  /** Shows `image` (the photo inside `opener`, its button) larger; `label` names it to screen readers. */
  open(image: HTMLImageElement, opener: HTMLButtonElement, label: string): void {
    if (!this.supported) {
      // Browsers without <dialog> (Safari before 15.4): the picture on its own, in a new tab.
      window.open(image.currentSrc || image.src, '_blank', 'noopener');
      return;
    }
    this.putBack();
    this.element.setAttribute('aria-label', label);
    this.element.append(image);
    this.showing = { image, opener };
    this.element.showModal();
    this.close.focus();
  }

  private get supported(): boolean {
    return typeof this.element.showModal === 'function';
  }

  private putBack(): void {
    if (!this.showing) return;
    const { image, opener } = this.showing;
    this.showing = null;
    opener.append(image);
    opener.focus();
  }
}
