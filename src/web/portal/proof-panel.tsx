import { onThisServer } from './branding';
import { useText } from './text';
import { when } from './when';
import type { ProofView } from './wire';

/**
 * The proof of delivery (API.md "Proof of delivery", `[data-testid=proof]`): to whom and when
 * (`[data-testid=proof-recipient]`), the photos (`[data-testid=proof-photo]`, each opening in full), the signature
 * (`[data-testid=proof-signature]`) and the courier's note. The pictures come by links signed for an hour; one that
 * fails to load asks for new ones.
 */
export function ProofPanel({ proof, onPictureFailed }: { proof: ProofView; onPictureFailed: () => void }) {
  const { t, formats } = useText();
  const count = proof.photos.length;
  return (
    <section class="panel proof-panel" data-testid="proof" aria-labelledby="proof-title">
      <h2 id="proof-title" class="panel-title">
        {t('proof_title')}
      </h2>
      <p class="proof-summary">
        <span class="proof-to">
          {proof.recipient_name ? (
            <>
              {t('proof_delivered_to')}{' '}
              <strong data-testid="proof-recipient" dir="auto">
                {proof.recipient_name}
              </strong>
            </>
          ) : (
            t('proof_delivered')
          )}
        </span>
        <time class="proof-time" dateTime={proof.at}>
          {when(formats, proof.at)}
        </time>
      </p>
      {count > 0 && (
        <ul class={`proof-photos${count === 1 ? ' single' : ''}`}>
          {proof.photos.map((photo, index) => {
            const alt = t('proof_photo', { n: formats.formatNumber(index + 1), count: formats.formatNumber(count) });
            const link = onThisServer(photo.url);
            return (
              <li key={photo.id}>
                <a href={link} target="_blank" rel="noopener" aria-label={alt}>
                  <img src={link} alt={alt} loading="lazy" decoding="async" data-testid="proof-photo" data-attachment={photo.id} onError={onPictureFailed} />
                </a>
              </li>
            );
          })}
        </ul>
      )}
      {proof.signature && (
        <figure class="proof-signature">
          <img
            src={onThisServer(proof.signature.url)}
            alt={proof.recipient_name ? t('proof_signature_of', { recipient: proof.recipient_name }) : t('proof_signature')}
            loading="lazy"
            data-testid="proof-signature"
            data-attachment={proof.signature.id}
            onError={onPictureFailed}
          />
          <figcaption>{t('proof_signature')}</figcaption>
        </figure>
      )}
      {proof.note && (
        <div class="proof-note">
          <p class="label">{t('proof_note')}</p>
          <blockquote dir="auto">{proof.note}</blockquote>
        </div>
      )}
    </section>
  );
}
