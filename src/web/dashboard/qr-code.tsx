import qrcode from 'qrcode-generator';
import { useMemo } from 'preact/hooks';

/** White modules around the symbol: the quiet zone the QR standard asks for, without which phones read it badly. */
const QUIET_ZONE = 4;

/** The dark modules of `text`'s QR code as one SVG path (a unit square per module), and the symbol's side with its quiet zone. */
function qrPath(text: string): { d: string; side: number } {
  // Error correction M: a screen or a printout with a smudge still reads; type 0 picks the smallest symbol that fits.
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const count = qr.getModuleCount();
  let d = '';
  for (let row = 0; row < count; row++) {
    for (let col = 0; col < count; col++) {
      if (qr.isDark(row, col)) d += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  return { d, side: count + 2 * QUIET_ZONE };
}

/**
 * `text` as a QR code drawn in the browser as inline SVG (no image request, nothing leaves the page): crisp at any size,
 * and allowed by the page's Content-Security-Policy, which takes no inline styles (only SVG attributes are used).
 */
export function QrCode({ text, label, testid, modulePx }: { text: string; label: string; testid?: string; modulePx?: number }) {
  const { d, side } = useMemo(() => qrPath(text), [text]);
  // A whole number of pixels a module (where the stylesheet lets the size follow it): every module alike, none blurred
  // or a pixel wider than its neighbours, which matters for a dense symbol such as a whole app configuration.
  const size = modulePx ? side * modulePx : undefined;
  return (
    <svg
      class={size ? 'qr qr-fixed' : 'qr'}
      viewBox={`0 0 ${side} ${side}`}
      width={size}
      height={size}
      role="img"
      aria-label={label}
      shape-rendering="crispEdges"
      data-testid={testid}
    >
      <rect width={side} height={side} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
