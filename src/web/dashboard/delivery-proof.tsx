import type { ProofView } from '../../domain/proof';
import { formatDateTime } from './format';

/**
 * The attachment's signed link as a path on this server. The dashboard is served by a node of the API it calls, and a
 * link is signed for its path and query alone; `PUBLIC_URL` may name an address this browser does not use (or that the
 * page's Content-Security-Policy, `img-src 'self'`, does not cover), so the image is read from where the page came from.
 */
export function sameOriginLink(url: string): string {
  const parsed = new URL(url, location.href);
  return `${parsed.pathname}${parsed.search}`;
}

/** One attachment's fingerprint, in full: what a dispute compares with the bytes it is shown. */
function Fingerprint({ proof, id }: { proof: ProofView; id: string }) {
  const hash = proof.sha256[id];
  return (
    <p class="fingerprint mono" data-testid="proof-sha256" data-attachment-id={id}>
      SHA-256 {hash ?? 'not recorded'}
    </p>
  );
}

/**
 * An order's proof of delivery (API.md "Proof of delivery"): who received it, the courier's note, the signature and
 * photos as the courier uploaded them, when and where, and each attachment's SHA-256 as stored at delivery, so a copy
 * shown later can be checked against it.
 */
export function DeliveryProof({ proof }: { proof: ProofView }) {
  return (
    <div class="proof" data-testid="delivery-proof">
      <dl class="details proof-facts">
        <div>
          <dt>Received by</dt>
          <dd data-testid="proof-recipient-name">{proof.recipient_name ?? '—'}</dd>
        </div>
        <div>
          <dt>Delivered</dt>
          <dd>
            <time dateTime={proof.at}>{formatDateTime(proof.at)}</time>
          </dd>
        </div>
        <div>
          <dt>Where</dt>
          <dd class="mono small">{proof.location ? `${proof.location.lat.toFixed(5)}, ${proof.location.lng.toFixed(5)}` : '—'}</dd>
        </div>
      </dl>
      {proof.note && <p class="event-note proof-note">{proof.note}</p>}
      {(proof.signature || proof.photos.length > 0) && (
        <div class="proof-media">
          {proof.signature && (
            <figure class="proof-item">
              <img
                class="proof-signature"
                src={sameOriginLink(proof.signature.url)}
                alt={proof.recipient_name ? `Signature of ${proof.recipient_name}` : 'Signature of the recipient'}
                data-testid="proof-signature-image"
              />
              <figcaption>
                Signature
                <Fingerprint proof={proof} id={proof.signature.id} />
              </figcaption>
            </figure>
          )}
          {proof.photos.map((photo, index) => (
            <figure key={photo.id} class="proof-item">
              <a href={sameOriginLink(photo.url)} target="_blank" rel="noopener noreferrer" title="Open the photo at full size">
                <img class="proof-photo" src={sameOriginLink(photo.url)} alt={`Delivery photo ${index + 1}`} data-testid="proof-photo-image" />
              </a>
              <figcaption>
                Photo {index + 1}
                <Fingerprint proof={proof} id={photo.id} />
              </figcaption>
            </figure>
          ))}
        </div>
      )}
      <p class="muted small pad-x">Image links work for an hour: reopen the order for fresh ones.</p>
    </div>
  );
}
