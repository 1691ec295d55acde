import { useRef, useState } from 'preact/hooks';
import { formatDateTime } from './format';
import { QrCode } from './qr-code';
import type { Courier, CourierInvite as Invite } from './wire';

/**
 * A courier's one-time sign-in for the courier app (API.md "Courier records"): the link to send them, with a copy
 * button, and the same link as a QR code to scan from this screen. The link is not a clickable anchor: opening it here
 * would spend it on this browser.
 */
export function CourierInvite({ courier, invite, onDone }: { courier: Courier; invite: Invite; onDone: () => void }) {
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<'copied' | 'selected' | null>(null);

  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(invite.url);
      setCopied('copied');
    } catch {
      // No clipboard access (an insecure origin, or permission refused): select it for the person to copy.
      field.current?.select();
      setCopied('selected');
    }
  };

  return (
    <div class="invite" data-testid="courier-invite">
      <p class="muted small">
        Send this to <strong>{courier.name}</strong> or let them scan the code. It signs the courier app in once, as{' '}
        <span class="mono">{courier.id}</span>.
      </p>
      <div class="invite-code">
        <QrCode text={invite.url} label={`QR code of the sign-in link for ${courier.name}`} testid="courier-invite-qr" />
      </div>
      <label class="field">
        <span>Sign-in link</span>
        <div class="inline">
          <input
            ref={field}
            type="text"
            readOnly
            class="mono invite-link"
            value={invite.url}
            data-testid="courier-invite-link"
            onFocus={(event) => event.currentTarget.select()}
          />
          <button type="button" class="button" data-testid="courier-invite-copy" onClick={() => void copy()}>
            {copied === 'copied' ? 'Copied' : 'Copy'}
          </button>
        </div>
      </label>
      {copied && (
        <p class="form-ok" role="status">
          {copied === 'copied' ? 'Link copied.' : 'Link selected: press Ctrl+C (⌘C) to copy it.'}
        </p>
      )}
      <p class="muted small" data-testid="courier-invite-expiry">
        Valid until <time dateTime={invite.expires_at}>{formatDateTime(invite.expires_at)}</time>, for one sign-in.
      </p>
      <div class="form-actions">
        <button type="button" class="button" data-testid="courier-invite-done" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}
