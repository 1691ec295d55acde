import type { ProofView } from '../../domain/proof';
import { fill, h, phrase } from './dom';
import { PhotoViewer } from './photo-viewer';
import type { Text } from './text';

/**
 * The proof of delivery, once the order has one (`[data-testid=proof]`, API.md "Proof of delivery"): to whom and
 * when (`[data-testid=proof-recipient]`), the photos (`[data-testid=proof-photo]`, each a button that shows it
 * larger), the signature (`[data-testid=proof-signature]`) and the courier's note.
 *
 * The pictures come by links signed for an hour and are served `no-store`, so an `<img>` is kept for as long as the
 * proof is the same: showing the same proof again (a re-read, a resubscription) fetches nothing, and only gives new
 * links to pictures that have not loaded. They load lazily, below the fold on a phone. Said again in another language,
 * the proof keeps its pictures too.
 */
export class ProofPanel {
  readonly element = h('section', { class: 'panel proof-panel', 'data-testid': 'proof', 'aria-labelledby': 'proof-title', hidden: '' });
  private readonly viewer: PhotoViewer;
  /** The proof shown, by what it holds (not its links, which change with every read); null: none. */
  private shown: string | null = null;
  private proof: ProofView | null = null;
  private images = new Map<string, HTMLImageElement>();

  /** @param onPictureFailed a picture did not load (its link may have expired) */
  constructor(
    private text: Text,
    private readonly onPictureFailed: () => void,
  ) {
    this.viewer = new PhotoViewer(text);
  }

  show(proof: ProofView | null): void {
    const key = proof && JSON.stringify([proof.at, proof.recipient_name, proof.note, proof.signature?.id, proof.photos.map((photo) => photo.id)]);
    this.proof = proof;
    if (proof && key === this.shown) {
      this.renewLinks(proof);
      return;
    }
    this.shown = key;
    this.images = new Map();
    this.render();
  }

  /** Says the proof again in `text`'s language, with the pictures it shows. */
  setText(text: Text): void {
    this.text = text;
    this.viewer.setText(text);
    this.render();
  }

  private render(): void {
    const proof = this.proof;
    this.element.hidden = proof === null;
    if (proof === null) {
      fill(this.element);
      return;
    }
    const { t, formats } = this.text;
    const recipient = proof.recipient_name;
    const count = proof.photos.length;
    fill(
      this.element,
      h('h2', { id: 'proof-title', class: 'panel-title' }, t('proof_title')),
      h(
        'p',
        { class: 'proof-summary' },
        h(
          'span',
          { class: 'proof-to' },
          ...(recipient
            ? phrase(t('proof_delivered_to'), { recipient: h('strong', { 'data-testid': 'proof-recipient', dir: 'auto' }, recipient) })
            : [t('proof_delivered')]),
        ),
        h('time', { class: 'proof-time', datetime: proof.at, title: formats.formatFull(proof.at) }, formats.formatWhen(proof.at)),
      ),
      count > 0 &&
        h(
          'ul',
          { class: `proof-photos${count === 1 ? ' single' : ''}`, 'aria-label': t('proof_photos') },
          ...proof.photos.map((photo, index) => {
            const words = { n: formats.formatNumber(index + 1), count: formats.formatNumber(count) };
            const image = this.picture(photo, 'proof-photo', t('proof_photo', words));
            const label = t('proof_show_photo', words);
            const button = h('button', { type: 'button', class: 'proof-photo-button', 'aria-label': label, 'aria-haspopup': 'dialog' }, image);
            button.addEventListener('click', () => this.viewer.open(image, button, image.alt));
            return h('li', {}, button);
          }),
        ),
      proof.signature &&
        h(
          'figure',
          { class: 'proof-signature' },
          this.picture(
            proof.signature,
            'proof-signature',
            recipient ? t('proof_signature_of', { recipient }) : t('proof_recipient_signature'),
          ),
          h('figcaption', {}, t('proof_signature')),
        ),
      proof.note &&
        h('div', { class: 'proof-note' }, h('p', { class: 'proof-note-label' }, t('proof_note')), h('blockquote', {}, h('bdi', {}, proof.note))),
      count > 0 && this.viewer.element,
    );
  }

  /** The `<img>` of an attachment: the one already shown for it (said again in another language), or a new one. */
  private picture(attachment: { id: string; url: string }, testId: string, alt: string): HTMLImageElement {
    const shown = this.images.get(attachment.id);
    if (shown) {
      shown.alt = alt;
      return shown;
    }
    // `loading` before `src`: set the other way round, the picture would be fetched at once.
    const image = h('img', { loading: 'lazy', decoding: 'async', alt, 'data-testid': testId, 'data-attachment': attachment.id, src: onThisServer(attachment.url) });
    image.addEventListener('error', () => this.onPictureFailed());
    this.images.set(attachment.id, image);
    return image;
  }

  /** New links for the pictures that have not loaded (or failed to); those shown keep theirs. */
  private renewLinks(proof: ProofView): void {
    for (const attachment of [...(proof.signature ? [proof.signature] : []), ...proof.photos]) {
      const image = this.images.get(attachment.id);
      const link = onThisServer(attachment.url);
      // Setting a link, even the same one, starts the picture's fetch over.
      if (image && image.getAttribute('src') !== link && !(image.complete && image.naturalWidth > 0)) image.src = link;
    }
  }
}

/**
 * The link as a path on this server. Links are made with `PUBLIC_URL`, which need not be the address the page was
 * opened at, while the page's Content-Security-Policy takes images from its own server only; every node serves them.
 */
function onThisServer(url: string): string {
  const link = new URL(url, window.location.href);
  return link.pathname + link.search;
}
