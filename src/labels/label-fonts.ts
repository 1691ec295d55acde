import { readFileSync } from 'node:fs';
import { create, type Font } from 'fontkit';

/**
 * The faces a label prints with: the PDF's built-in Helvetica for Latin-1 (nothing to embed), Noto Sans HK for
 * Chinese (Hong Kong glyph forms and HKSCS characters, with Latin, Cyrillic and Vietnamese besides) and IBM Plex
 * Sans Arabic for Arabic. Plex draws each contextual form of a letter as a glyph of its own, so the PDF's text maps
 * back to the letters exactly; the Noto Arabic fonts share one dotless glyph between letters (ج ح خ), which copying
 * the text or searching the PDF cannot tell apart.
 */
export type Face = 'latin' | 'chinese' | 'arabic';

/** A face's regular and bold fonts, opened. */
export interface FontPair {
  regular: Font;
  bold: Font;
}

/** The embedded faces a label may use; a face whose package is not installed is null (its text prints as `?`). */
export type LabelFonts = Record<Exclude<Face, 'latin'>, FontPair | null>;

// Full TrueType files (every glyph, not web subsets), from packages of the Google Fonts releases.
const FONT_FILES: Record<Exclude<Face, 'latin'>, { regular: string; bold: string }> = {
  chinese: {
    regular: '@expo-google-fonts/noto-sans-hk/400Regular/NotoSansHK_400Regular.ttf',
    bold: '@expo-google-fonts/noto-sans-hk/700Bold/NotoSansHK_700Bold.ttf',
  },
  arabic: {
    regular: '@expo-google-fonts/ibm-plex-sans-arabic/400Regular/IBMPlexSansArabic_400Regular.ttf',
    bold: '@expo-google-fonts/ibm-plex-sans-arabic/700Bold/IBMPlexSansArabic_700Bold.ttf',
  },
};

/** The font files a label would use that are not installed (their package is missing), by module path. */
export function missingLabelFonts(): string[] {
  return Object.values(FONT_FILES)
    .flatMap((files) => [files.regular, files.bold])
    .filter((file) => resolved(file) === null);
}

let opened: LabelFonts | null = null;

/**
 * The label fonts, opened on first use and then kept for the process (a Chinese font is about 7 MB; parsed once, its
 * glyphs are shared by every document, each of which embeds only the glyphs it prints).
 */
export function labelFonts(): LabelFonts {
  opened ??= { chinese: openPair(FONT_FILES.chinese), arabic: openPair(FONT_FILES.arabic) };
  return opened;
}

function openPair(files: { regular: string; bold: string }): FontPair | null {
  const regular = resolved(files.regular);
  const bold = resolved(files.bold);
  if (!regular || !bold) return null;
  return { regular: create(readFileSync(regular)), bold: create(readFileSync(bold)) };
}

function resolved(file: string): string | null {
  try {
    return require.resolve(file);
  } catch {
    return null;
  }
}
