import { raw } from 'bwip-js';
import PDFDocument from 'pdfkit';
import type { Readable } from 'node:stream';
import { minorDigits } from '../domain/loyalty';
import type { Money } from '../domain/order';
import { labelFonts, type Face, type LabelFonts } from './label-fonts';
import { layoutParagraph, type TextMeasure } from './label-text';

/** What one shipping label shows (API.md "Labels"). */
export interface LabelContent {
  /** The order id, which both codes carry. */
  orderId: string;
  /** The tenant's display name. */
  tenantName: string;
  /** The tenant's logo (PNG or JPEG), printed above its name; null or absent: the name alone. */
  logo?: Buffer | null;
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
const BAR_HEIGHT = 52;
// The QR code's square, its quiet zone included: about 2.6 pt (0.036 in) a module for an order id.
const QR_SIZE = 96;
// A line of text: its baseline this far below its top, the next line's top this far below, in font sizes. Chinese
// glyphs stand taller than Latin ones, so lines are spaced for them whatever script they hold.
const ASCENT = 0.92;
const LINE_HEIGHT = 1.2;
// A name or an address is cut after this many lines, the last ending with an ellipsis.
const MAX_LINES = 3;
// The logo's box above the name: low enough that the longest texts still end above the codes.
const LOGO_HEIGHT = 24;
const LOGO_WIDTH = 120;
// Passing features makes pdfkit lay a run out whole rather than word by word, so the font engine shapes a run of
// Arabic as one and puts all of it right to left (right-to-left alternates are among its defaults there anyway).
const WHOLE_RUN: PDFKit.Mixins.OpenTypeFeatures[] = ['rtla'];

/**
 * The labels as one PDF, a page each, written as it is drawn: one page per turn of the event loop, so a batch never
 * holds the node up and its first bytes go out before its last page is drawn. A label that cannot be drawn ends the
 * stream with its error. The codes are vector drawings (bars and modules as filled rectangles): sharp at any
 * printer's resolution, and a page of them is about 2 KiB. Text prints in Helvetica where it can (nothing to embed),
 * Chinese and Arabic in the label fonts (`fonts`), of which the document embeds only the glyphs it prints; without
 * them those characters print as `?`.
 */
export function labelPdf(labels: readonly LabelContent[], fonts: LabelFonts = labelFonts()): Readable {
  const doc = new PDFDocument({ size: [WIDTH, HEIGHT], margin: MARGIN, autoFirstPage: false, info: { Title: 'Labels' } });
  for (const face of ['chinese', 'arabic'] as const) {
    const pair = fonts[face];
    if (!pair) continue;
    doc.registerFont(fontName(face, false), pair.regular);
    doc.registerFont(fontName(face, true), pair.bold);
  }
  let next = 0;
  const drawNext = (): void => {
    try {
      if (next < labels.length) {
        drawLabel(doc, fonts, labels[next++]!);
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

function drawLabel(doc: PDFKit.PDFDocument, fonts: LabelFonts, label: LabelContent): void {
  doc.addPage({ size: [WIDTH, HEIGHT], margin: MARGIN });
  let y = MARGIN;
  // A paragraph at the full width, each run in the face that has its characters; right-to-left ones aligned right.
  const line = (text: string, size: number, bold = false, gap = 4): void => {
    const paragraph = layoutParagraph(text, measureIn(doc, fonts, size, bold), { width: INNER, maxLines: MAX_LINES });
    for (const { runs, width } of paragraph.lines) {
      let x = paragraph.rtl ? MARGIN + INNER - width : MARGIN;
      for (const run of runs) {
        useFace(doc, run.face, bold, size);
        doc.text(run.text, x, y + size * ASCENT, { lineBreak: false, baseline: 'alphabetic', features: run.shaped ? WHOLE_RUN : undefined });
        x += run.width;
      }
      y += size * LINE_HEIGHT;
    }
    y += gap;
  };

  if (label.logo) {
    doc.image(label.logo, MARGIN, y, { fit: [LOGO_WIDTH, LOGO_HEIGHT] });
    y += LOGO_HEIGHT + 4;
  }
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

  // The codes take the bottom of the label: the Code 128 barcode across the width inside the margins (its bars as
  // wide as the label allows, for printers of 203 dpi), the id under it, the QR code above it on the left. Every bar
  // and module stays inside the margins, which printers print and cutters leave alone.
  const idTop = HEIGHT - MARGIN - 10;
  const barTop = idTop - 4 - BAR_HEIGHT;
  drawCode128(doc, label.orderId, MARGIN, barTop, INNER, BAR_HEIGHT);
  doc.font('Courier').fontSize(7).text(label.orderId, MARGIN, idTop, { width: INNER, align: 'center' });
  // The QR code's quiet zone lies inside its square: the square may reach into the margin, its modules do not.
  drawQrCode(doc, label.orderId, MARGIN - 6, barTop - 4 - QR_SIZE, QR_SIZE);
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

/** How a paragraph in `size` (bold or not) measures, and which faces have which characters. */
function measureIn(doc: PDFKit.PDFDocument, fonts: LabelFonts, size: number, bold: boolean): TextMeasure {
  return {
    covers: (face, codePoint) => {
      if (face === 'latin') return inHelvetica(codePoint);
      const pair = fonts[face];
      return pair !== null && (bold ? pair.bold : pair.regular).hasGlyphForCodePoint(codePoint);
    },
    width: (text, face, shaped) => {
      useFace(doc, face, bold, size);
      return doc.widthOfString(text, { features: shaped ? WHOLE_RUN : undefined });
    },
  };
}

function useFace(doc: PDFKit.PDFDocument, face: Face, bold: boolean, size: number): void {
  doc.font(fontName(face, bold)).fontSize(size);
}

/** The name a face is registered under in a document; Latin is the PDF's own Helvetica. */
function fontName(face: Face, bold: boolean): string {
  if (face === 'latin') return bold ? 'Helvetica-Bold' : 'Helvetica';
  return bold ? `${face}-bold` : face;
}

// The characters of the Windows-1252 encoding beyond Latin-1, which the PDF's built-in fonts print too (curly quotes,
// dashes, the euro sign, the ellipsis).
const WIN_ANSI_EXTRA = new Set(
  [0x20ac, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x017d, 0x2018, 0x2019, 0x201c,
    0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x017e, 0x0178],
);

/** Whether the built-in Helvetica prints the character (it covers Windows-1252 only). */
function inHelvetica(codePoint: number): boolean {
  return (codePoint >= 0x20 && codePoint <= 0x7e) || (codePoint >= 0xa0 && codePoint <= 0xff) || WIN_ANSI_EXTRA.has(codePoint);
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
