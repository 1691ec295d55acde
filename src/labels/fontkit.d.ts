/**
 * The slice of fontkit (pdfkit's font engine, which ships no types of its own) that labels use: opening a font file
 * once, asking which characters it covers, and handing the opened font to pdfkit, which takes a fontkit font as it
 * takes a file.
 */
declare module 'fontkit' {
  export interface Font {
    postscriptName: string;
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  export function create(buffer: Uint8Array): Font;
}

declare namespace PDFKit.Mixins {
  interface PDFFont {
    /** pdfkit 0.20 takes an opened fontkit font too (`PDFFontFactory.open`): parsed once, shared by every document. */
    registerFont(name: string, src: import('fontkit').Font): this;
  }
}
