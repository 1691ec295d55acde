import { raw } from 'bwip-js';
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
// Quiet zones around the codes, in modules, as their specifications ask: 10 for Code 128, 4 for a QR code.
const BAR_QUIET = 10;
const QR_QUIET = 4;

/**
 * The labels as one PDF, a page each, written as it is drawn: one page per turn of the event loop, so a batch never
 * holds the node up and its first bytes go out before its last page is drawn. A label that cannot be drawn ends the
 * stream with its error. The codes are vector drawings (bars and modules as filled rectangles): sharp at any
 * printer's resolution, and a page of them is about 2 KiB.
 */
export function labelPdf(labels: readonly LabelContent[]): Readable {
  const doc = new PDFDocument({ size: [WIDTH, HEIGHT], margin: MARGIN, autoFirstPage: false, info: { Title: 'Labels' } });
  let next = 0;
  const drawNext = (): void => {
    try {
      if (next < labels.length) {
        drawLabel(doc, labels[next++]!);
        setImmediate(drawNext);
      } else {
        doc.end();
      }
    } catch (error) {
      doc.destroy(error as Error);
    }
  };
  setImmediate(drawNext);
  return doc;
}

function drawLabel(doc: PDFKit.PDFDocument, label: LabelContent): void {
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
  const qrSize = 104;
  const codesTop = HEIGHT - MARGIN - qrSize - 4;
  drawQrCode(doc, label.orderId, MARGIN - 6, codesTop, qrSize);
  const barX = MARGIN + qrSize;
  drawCode128(doc, label.orderId, barX, codesTop + 12, WIDTH - barX, 64);
  doc.font('Courier').fontSize(7).text(label.orderId, barX, codesTop + 82, { width: WIDTH - MARGIN - barX, align: 'center' });
}

/** A Code 128 barcode of `text` filling `width` (its quiet zones inside it) at `height`. */
function drawCode128(doc: PDFKit.PDFDocument, text: string, x: number, y: number, width: number, height: number): void {
  const [symbol] = raw('code128', text, {}) as Array<{ sbs: number[] }>;
  const widths = symbol!.sbs;
  const modules = widths.reduce((sum, value) => sum + value, 0) + 2 * BAR_QUIET;
  const module = width / modules;
  let at = x + BAR_QUIET * module;
  // Bars and spaces alternate, a bar first.
  widths.forEach((value, index) => {
    if (index % 2 === 0) doc.rect(at, y, value * module, height);
    at += value * module;
  });
  doc.fill('#000');
}

/** A QR code of `text` in a `size` square (its quiet zone inside it). */
function drawQrCode(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  const [symbol] = raw('qrcode', text, { eclevel: 'M' } as Record<string, string>) as Array<{ pixs: number[]; pixx: number; pixy: number }>;
  const { pixs, pixx, pixy } = symbol!;
  const module = size / (pixx + 2 * QR_QUIET);
  for (let row = 0; row < pixy; row++) {
    // Each run of dark modules in a row is one rectangle.
    for (let column = 0; column < pixx; ) {
      if (!pixs[row * pixx + column]) {
        column++;
        continue;
      }
      const start = column;
      while (column < pixx && pixs[row * pixx + column]) column++;
      doc.rect(x + (QR_QUIET + start) * module, y + (QR_QUIET + row) * module, (column - start) * module, module);
    }
  }
  doc.fill('#000');
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
