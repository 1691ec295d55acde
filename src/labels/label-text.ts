/**
 * Lays out a label's text when it mixes scripts: which face prints each character, where lines break, and the order
 * right-to-left text (Arabic) is drawn in. pdfkit draws what it is given left to right and shapes a run of Arabic
 * (joining, and the glyphs of one run put right to left by fontkit), but it neither picks fonts per character nor
 * orders the runs of a line; this does, with the parts of the Unicode Bidirectional Algorithm (UAX #9) that names
 * and addresses need: paragraph direction from the first strong letter, numbers after Arabic read as Arabic numbers,
 * neutrals taking the direction around them, and runs reordered by level. Pure code; the caller measures.
 */
import type { Face } from './label-fonts';

/** A piece of a line drawn in one face, in drawing order (left to right). */
export interface PlacedRun {
  /**
   * The characters as they are to be handed to the font engine: it puts a run of Arabic script right to left, so such
   * a run is in logical order when it reads right to left (a word) and reversed when it reads left to right (Arabic
   * digits); any other run is in the order it is drawn.
   */
  text: string;
  face: Face;
  /** Whether the run holds Arabic script: laid out whole (not word by word), so the engine shapes and orders it as one. */
  shaped: boolean;
  width: number;
}

export interface TextLine {
  runs: PlacedRun[];
  width: number;
}

export interface Paragraph {
  lines: TextLine[];
  /** Whether the paragraph reads right to left (its first letter is Arabic): its lines align right. */
  rtl: boolean;
}

/** What layout asks of the fonts. */
export interface TextMeasure {
  /** Whether `face` has a glyph for the code point. */
  covers(face: Face, codePoint: number): boolean;
  /** The width of `text` in `face`, laid out as one run when `shaped` (see {@link PlacedRun.shaped}). */
  width(text: string, face: Face, shaped: boolean): number;
}

export interface ParagraphOptions {
  width: number;
  /** Lines past this are cut, the last one ending with an ellipsis. */
  maxLines: number;
}

// Bidirectional classes as far as labels need them: strong left-to-right and right-to-left letters, European and
// Arabic numbers, and neutrals (spaces, punctuation, symbols).
type BidiClass = 'L' | 'R' | 'EN' | 'AN' | 'N';

interface Glyph {
  char: string;
  cls: BidiClass;
  level: number;
  face: Face;
}

const ARABIC_SCRIPT = /\p{Script=Arabic}/u;
const DIGIT = /\p{Nd}/u;
const LETTER = /\p{L}/u;
const MARK = /\p{M}/u;
const SPACE = /\s/u;
// Chinese and Japanese text has no spaces between words: a line may break between any two ideographs.
const IDEOGRAPH = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const ELLIPSIS = '\u2026';
// Characters with a mirror image (Unicode's Bidi_Mirroring_Glyph) that names and addresses use.
const MIRRORED = new Map(
  ['()', '[]', '{}', '<>', '«»', '‹›', '（）', '［］', '｛｝', '「」', '『』', '【】', '〈〉', '《》'].flatMap(([open, close]) => [
    [open!, close!],
    [close!, open!],
  ]),
);
// Printed for a character no face has.
const MISSING = '?';

/** Lays `text` out in lines of at most `options.width`, each run with its face, in drawing order. */
export function layoutParagraph(text: string, measure: TextMeasure, options: ParagraphOptions): Paragraph {
  const { glyphs, rtl } = resolve(text.trim(), measure);
  const lines = breakLines(glyphs, measure, options, rtl ? 1 : 0);
  return { rtl, lines: lines.map((line) => visualLine(line, measure)) };
}

/** The characters with their bidirectional levels and faces; the paragraph's direction. */
function resolve(text: string, measure: TextMeasure): { glyphs: Glyph[]; rtl: boolean } {
  const chars = [...text].map((char) => (SPACE.test(char) || char < ' ' ? ' ' : char));
  const classes: BidiClass[] = [];
  for (const char of chars) {
    // A combining mark (an Arabic vowel sign) goes with the letter before it (W1).
    if (MARK.test(char)) classes.push(classes[classes.length - 1] ?? 'N');
    else classes.push(classOf(char));
  }
  const firstStrong = classes.find((cls) => cls === 'L' || cls === 'R');
  const rtl = firstStrong === 'R';
  const paragraph: BidiClass = rtl ? 'R' : 'L';

  // W2 and W7: a European number after Arabic letters is an Arabic number; after Latin letters it is Latin.
  let lastStrong: BidiClass = paragraph;
  for (const [index, cls] of classes.entries()) {
    if (cls === 'L' || cls === 'R') lastStrong = cls;
    else if (cls === 'EN') classes[index] = lastStrong === 'R' ? 'AN' : lastStrong === 'L' ? 'L' : 'EN';
  }

  // N1 and N2: neutrals between text of one direction take it (numbers count as right-to-left); others the paragraph's.
  const direction = (cls: BidiClass | undefined): BidiClass => (cls === undefined ? paragraph : cls === 'L' ? 'L' : 'R');
  const resolved = [...classes];
  for (let start = 0; start < classes.length; ) {
    if (classes[start] !== 'N') {
      start++;
      continue;
    }
    let end = start;
    while (end < classes.length && classes[end] === 'N') end++;
    const before = direction(classes[start - 1]);
    const after = direction(classes[end]);
    resolved.fill(before === after ? before : paragraph, start, end);
    start = end;
  }

  // I1 and I2: the level of each character in a paragraph of level 0 (left to right) or 1.
  const levels = resolved.map((cls) => {
    if (!rtl) return cls === 'L' ? 0 : cls === 'R' ? 1 : 2;
    return cls === 'R' ? 1 : 2;
  });

  const glyphs: Glyph[] = chars.map((char, index) => ({ char, cls: classes[index]!, level: levels[index]!, face: 'latin' }));
  // A letter or digit prints in the face of its script (by its own class: a European digit after Arabic is still one).
  for (const [index, glyph] of glyphs.entries()) if (glyph.cls !== 'N') assignFace(glyph, measure, facesFor(chars[index]!));
  // A neutral prints in the face of the text it goes with (a space between two Arabic words joins their run): its
  // neighbours at its own level, when they agree.
  for (const [index, glyph] of glyphs.entries()) {
    if (glyph.cls !== 'N') continue;
    const around = [nearest(glyphs, index, -1), nearest(glyphs, index, 1)].filter((neighbour) => neighbour?.level === glyph.level).map((neighbour) => neighbour!.face);
    const agreed = around.length > 0 && around.every((face) => face === around[0]) ? [around[0]!] : [];
    assignFace(glyph, measure, [...agreed, 'latin', 'chinese', 'arabic']);
  }
  return { glyphs, rtl };
}

function classOf(char: string): BidiClass {
  if (DIGIT.test(char)) return ARABIC_SCRIPT.test(char) ? 'AN' : 'EN';
  if (ARABIC_SCRIPT.test(char)) return 'R';
  if (LETTER.test(char)) return 'L';
  return 'N';
}

/** The faces to try for a letter or a digit, best first. */
function facesFor(char: string): Face[] {
  return ARABIC_SCRIPT.test(char) ? ['arabic', 'chinese'] : ['latin', 'chinese', 'arabic'];
}

function assignFace(glyph: Glyph, measure: TextMeasure, faces: Face[]): void {
  const codePoint = glyph.char.codePointAt(0)!;
  const face = faces.find((candidate) => measure.covers(candidate, codePoint));
  if (face) {
    glyph.face = face;
  } else {
    glyph.char = MISSING;
    glyph.face = 'latin';
  }
}

/** The nearest glyph that is not a neutral, before (`step` -1) or after (`step` 1) `index`. */
function nearest(glyphs: Glyph[], index: number, step: 1 | -1): Glyph | undefined {
  for (let at = index + step; at >= 0 && at < glyphs.length; at += step) {
    if (glyphs[at]!.cls !== 'N') return glyphs[at];
  }
  return undefined;
}

/**
 * The glyphs in lines (logical order) of at most `options.width`: breaking after spaces and between ideographs, a
 * word longer than a line broken where it must; past `maxLines` the last line ends with an ellipsis.
 */
function breakLines(glyphs: Glyph[], measure: TextMeasure, options: ParagraphOptions, baseLevel: number): Glyph[][] {
  const width = (span: Glyph[], trim = true): number =>
    runsOf(trim ? trimEnd(span) : span).reduce((sum, run) => {
      const text = textOf(run);
      return sum + measure.width(text, run[0]!.face, ARABIC_SCRIPT.test(text));
    }, 0);
  const lines: Glyph[][] = [];
  let line: Glyph[] = [];
  // The width of `line` with its trailing spaces: each word is measured once (a line is as wide as its words).
  let lineWidth = 0;
  const endLine = (): void => {
    lines.push(line);
    line = [];
    lineWidth = 0;
  };
  for (const word of words(glyphs)) {
    // Enough to know the text goes on past the last line.
    if (lines.length > options.maxLines) break;
    const trimmed = width(word);
    if (line.length > 0 && lineWidth + trimmed > options.width) endLine();
    if (trimmed <= options.width) {
      line.push(...word);
      lineWidth += width(word, false);
      continue;
    }
    // A word wider than a whole line is broken between characters.
    for (const glyph of word) {
      const advance = width([glyph], false);
      if (line.length > 0 && glyph.char !== ' ' && lineWidth + advance > options.width) endLine();
      line.push(glyph);
      lineWidth += advance;
    }
  }
  if (line.length > 0) lines.push(line);
  if (lines.length <= options.maxLines) return lines.map(trimEnd);

  const kept = lines.slice(0, options.maxLines).map(trimEnd);
  const last = kept[kept.length - 1]!;
  const ellipsis: Glyph = { char: ELLIPSIS, cls: 'N', level: baseLevel, face: 'latin' };
  while (last.length > 0 && width([...last, ellipsis]) > options.width) last.pop();
  kept[kept.length - 1] = [...trimEnd(last), ellipsis];
  return kept;
}

/** Spans that end where a line may break: after a space, and between two characters of which one is an ideograph. */
function words(glyphs: Glyph[]): Glyph[][] {
  const spans: Glyph[][] = [];
  let span: Glyph[] = [];
  for (const [index, glyph] of glyphs.entries()) {
    const previous = glyphs[index - 1];
    const breakBefore = previous !== undefined && (previous.char === ' ' || ((IDEOGRAPH.test(previous.char) || IDEOGRAPH.test(glyph.char)) && glyph.char !== ' '));
    if (breakBefore && span.length > 0) {
      spans.push(span);
      span = [];
    }
    span.push(glyph);
  }
  if (span.length > 0) spans.push(span);
  return spans;
}

function trimEnd(span: Glyph[]): Glyph[] {
  let end = span.length;
  while (end > 0 && span[end - 1]!.char === ' ') end--;
  return end === span.length ? span : span.slice(0, end);
}

/** Consecutive glyphs of one level and face. */
function runsOf(glyphs: Glyph[]): Glyph[][] {
  const runs: Glyph[][] = [];
  for (const glyph of glyphs) {
    const run = runs[runs.length - 1];
    if (run && run[0]!.level === glyph.level && run[0]!.face === glyph.face) run.push(glyph);
    else runs.push([glyph]);
  }
  return runs;
}

function textOf(run: Glyph[]): string {
  return run.map((glyph) => glyph.char).join('');
}

/** A line's runs in drawing order (L2: from the highest level down to the lowest odd one, each stretch at or above it reversed). */
function visualLine(line: Glyph[], measure: TextMeasure): TextLine {
  const runs = runsOf(line);
  const levels = runs.map((run) => run[0]!.level);
  const highest = Math.max(0, ...levels);
  const lowestOdd = Math.min(...levels.filter((level) => level % 2 === 1), highest + 1);
  for (let level = highest; level >= lowestOdd; level--) {
    for (let start = 0; start < runs.length; ) {
      if (runs[start]![0]!.level < level) {
        start++;
        continue;
      }
      let end = start;
      while (end < runs.length && runs[end]![0]!.level >= level) end++;
      runs.splice(start, end - start, ...runs.slice(start, end).reverse());
      start = end;
    }
  }
  const placed = runs.map((run): PlacedRun => {
    const rtl = run[0]!.level % 2 === 1;
    // L4: read right to left, a bracket or quote shows its mirror image (the fonts have no right-to-left forms of them).
    const logical = rtl ? [...textOf(run)].map((char) => MIRRORED.get(char) ?? char).join('') : textOf(run);
    // The font engine reverses a run of Arabic script (fontkit, by the script of its first letter or digit). In a
    // right-to-left run that is the order wanted; anything else is put in drawing order here.
    const shaped = ARABIC_SCRIPT.test(logical);
    const text = rtl === shaped ? logical : [...logical].reverse().join('');
    return { text, face: run[0]!.face, shaped, width: measure.width(text, run[0]!.face, shaped) };
  });
  return { runs: placed, width: placed.reduce((sum, run) => sum + run.width, 0) };
}
