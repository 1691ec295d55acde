import SignaturePad from 'signature_pad';
import type { RefObject } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { canvasBlob } from './photos';
import { useText } from './text';

/** What the delivery form asks of the signature: the picture drawn, or null when nothing was. */
export interface SignatureHandle {
  picture(): Promise<Blob | null>;
}

/**
 * The recipient's signature, drawn with a finger on the screen (signature_pad smooths the strokes). The canvas
 * is sized to the device's pixels, so the picture is sharp; it is drawn dark on white, as on paper.
 */
export function SignatureField({ handle }: { handle: RefObject<SignatureHandle | null> }) {
  const { t } = useText();
  const canvas = useRef<HTMLCanvasElement>(null);
  const pad = useRef<SignaturePad | null>(null);

  useEffect(() => {
    const element = canvas.current!;
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    element.width = element.offsetWidth * ratio;
    element.height = element.offsetHeight * ratio;
    element.getContext('2d')!.scale(ratio, ratio);
    const drawn = new SignaturePad(element, { backgroundColor: 'rgb(255, 255, 255)', penColor: 'rgb(16, 24, 40)' });
    pad.current = drawn;
    handle.current = {
      picture: () => (drawn.isEmpty() ? Promise.resolve(null) : canvasBlob(element, 'image/png')),
    };
    return () => {
      drawn.off();
      pad.current = null;
      handle.current = null;
    };
  }, [handle]);

  return (
    <div class="field signature">
      <span id="signature-label">{t('proof_signature')}</span>
      <canvas ref={canvas} class="signature-pad" data-testid="proof-signature" aria-labelledby="signature-label" role="img" />
      <button type="button" class="button subtle" onClick={() => pad.current?.clear()}>
        {t('signature_clear')}
      </button>
    </div>
  );
}
