import { toBuffer } from 'bwip-js';
import PDFDocument from 'pdfkit';
import type { Readable } from 'node:stream';
import { minorDigits } from '../domain/loyalty';
import type { Money } from '../domain/order';

/** What one shipping label shows (API.md "Labels"). */
export interface LabelContent {
  /** The order id, which both codes carry. */
  orderId: string;
  tenantName: string;
  /** The order's `external_id`, or its id when it has none. */
  reference: string;
  customerName: string | null;
  destination: string | null;
  promisedBy: string | null;
  /** The cash the courier collects on delivery; null when nothing is collected. */
  collect: Money | null;
}

// A 4 × 6 inch label, the size thermal label printers take (72 points an inch).
const WIDTH = 288;
const HEIGHT = 432;
const MARGIN = 14;
const INNER = WIDTH - 2 * MARGIN;
// Codes are drawn as PNGs at 300 dpi for their printed size (scale 4 ≈ 4 pixels a module), so a 203 or 300 dpi
// printer and a phone's camera both read them.
const CODE_SCALE = 4;

/**
 * The labels as one PDF, a page each, written as it is read: each page's codes are drawn when the page is reached,
 * so 100 labels never sit in memory at once. A label that cannot be drawn ends the stream with its error.
 */
export function labelPdf(labels: readonly LabelContent[]): Readable {
  const doc = new PDFDocument({ size: [WIDTH, HEIGHT], margin: MARGIN, autoFirstPage: false, info: { Title: 'Labels' } });
  void (async () => {
    try {
      for (const label of labels) {
        const [barcode, qr] = await Promise.all([
          toBuffer({ bcid: 'code128', text: label.orderId, scale: CODE_SCALE, height: 12, includetext: false }),
          toBuffer({ bcid: 'qrcode', text: label.orderId, scale: CODE_SCALE }),
        ]);
        drawLabel(doc, label, barcode, qr);
      }
      doc.end();
    } catch (error) {
      doc.destroy(error as Error);
    }
  })();
  return doc;
}

function drawLabel(doc: PDFKit.PDFDocument, label: LabelContent, barcode: Buffer, qr: Buffer): void {
  doc.addPage({ size: [WIDTH, HEIGHT], margin: MARGIN });
  let y = MARGIN;
  const line = (text: string, size: number, bold = false, gap = 4): void => {
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(size);
    const shown = latin1(text);
    doc.text(shown, MARGIN, y, { width: INNER, lineBreak: true, height: size * 3.6, ellipsis: true });
    y += Math.min(doc.heightOfString(shown, { width: INNER }), size * 3.6) + gap;
  };

  line(label.tenantName, 11, true);
  doc.moveTo(MARGIN, y).lineTo(WIDTH - MARGIN, y).lineWidth(1).stroke();
  y += 6;
  line('SHIP TO', 7, true, 1);
  line(label.customerName ?? '-', 14, true, 2);
  line(label.destination ?? '-', 10, false, 8);
  line('REF', 7, true, 1);
  line(label.reference, 11, true, 6);
  if (label.promisedBy) line(`Deliver by ${formatTime(label.promisedBy)}`, 9, false, 6);
  if (label.collect) {
    const text = `COLLECT ON DELIVERY: ${formatMoney(label.collect)}`;
    doc.rect(MARGIN, y, INNER, 22).fill('#000');
    doc.fillColor('#fff').font('Helvetica-Bold').fontSize(11).text(text, MARGIN + 6, y + 6, { width: INNER - 12 });
    doc.fillColor('#000');
    y += 28;
  }

  // The codes take the bottom of the label: the QR code on the left, the Code 128 barcode beside it.
  const qrSize = 96;
  const codesTop = HEIGHT - MARGIN - qrSize - 12;
  doc.image(qr, MARGIN, codesTop, { width: qrSize, height: qrSize });
  const barX = MARGIN + qrSize + 10;
  doc.image(barcode, barX, codesTop + 8, { width: WIDTH - MARGIN - barX, height: 64 });
  doc.font('Courier').fontSize(7).text(label.orderId, barX, codesTop + 78, { width: WIDTH - MARGIN - barX });
}

/**
 * The text as the built-in PDF fonts can show it: they cover Latin-1 only, so any other character (Chinese, Arabic)
 * is shown as '?' rather than as a wrong glyph. No font covering those scripts ships with the product yet.
 */
export function latin1(text: string): string {
  return text.replace(/[^\x20-\x7e\xa0-\xff]/gu, (char) => (/\s/u.test(char) ? ' ' : '?'));
}

/** A time as UTC, minutes precision ("2026-12-06 17:30 UTC"): the label is read wherever the parcel is. */
function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** Minor units as a decimal with the currency code ("129.00 HKD"). */
function formatMoney(money: Money): string {
  const digits = minorDigits(money.currency);
  return `${(money.value / 10 ** digits).toFixed(digits)} ${money.currency}`;
}
