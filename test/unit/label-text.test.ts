import type { Face } from '../../src/labels/label-fonts';
import { layoutParagraph, type Paragraph, type TextMeasure } from '../../src/labels/label-text';

// Every character is one unit wide; each face covers its own script (Latin: Latin-1 only).
const measure: TextMeasure = {
  covers: (face: Face, codePoint: number) => {
    const char = String.fromCodePoint(codePoint);
    if (face === 'latin') return codePoint >= 0x20 && codePoint <= 0xff;
    if (face === 'chinese') return /[\p{Script=Han}\u3000-\u303f\uff00-\uffef0-9A-Za-z ]/u.test(char);
    return /[\p{Script=Arabic}\u060c ()]/u.test(char);
  },
  width: (text: string) => [...text].length,
};

/** The paragraph's lines as `face:text` runs in drawing order, and whether shaped by the font engine. */
function drawn(paragraph: Paragraph): string[][] {
  return paragraph.lines.map((line) => line.runs.map((run) => `${run.face}${run.shaped ? '*' : ''}:${run.text}`));
}

const wide = { width: 100, maxLines: 3 };

describe('label text layout', () => {
  it('prints Latin-1 in Helvetica, Chinese in the Chinese face, left to right', () => {
    const paragraph = layoutParagraph('陳大文 Ada', measure, wide);
    expect(paragraph.rtl).toBe(false);
    expect(drawn(paragraph)).toEqual([['chinese:陳大文', 'latin: Ada']]);
  });

  it('hands an Arabic run to the engine whole and in logical order, and a space between Arabic words stays in it', () => {
    const paragraph = layoutParagraph('محمد بن سلمان', measure, wide);
    expect(paragraph.rtl).toBe(true);
    expect(drawn(paragraph)).toEqual([['arabic*:محمد بن سلمان']]);
  });

  it('puts Arabic inside a left-to-right line where it stands, reading right to left itself', () => {
    expect(drawn(layoutParagraph('陳大文 محمد علي Ltd', measure, wide))).toEqual([['chinese:陳大文 ', 'arabic*:محمد علي', 'latin: Ltd']]);
  });

  it('draws the runs of a right-to-left line from its end: numbers after Arabic read left to right', () => {
    // Logical: street, 12 in Arabic digits, city, postcode. Drawn left to right: postcode, city, 12, street.
    const paragraph = layoutParagraph('شارع فهد ١٢، الرياض 12345', measure, wide);
    expect(paragraph.rtl).toBe(true);
    expect(drawn(paragraph)).toEqual([['latin:12345', 'arabic*:، الرياض ', 'arabic*:٢١', 'arabic*:شارع فهد ']]);
  });

  it('mirrors brackets read right to left', () => {
    expect(drawn(layoutParagraph('برج (المدخل)', measure, wide))).toEqual([['arabic*:برج )المدخل(']]);
  });

  it('takes the direction of the first letter: a line starting with Latin reads left to right', () => {
    const paragraph = layoutParagraph('12 Nathan Road محمد', measure, wide);
    expect(paragraph.rtl).toBe(false);
    expect(drawn(paragraph)).toEqual([['latin:12 Nathan Road ', 'arabic*:محمد']]);
  });

  it('prints a character no face has as ?', () => {
    expect(drawn(layoutParagraph('Ada 😀', measure, wide))).toEqual([['latin:Ada ?']]);
  });

  it('breaks lines after spaces and between ideographs, and cuts after the last line with an ellipsis', () => {
    expect(drawn(layoutParagraph('one two three', measure, { width: 8, maxLines: 3 }))).toEqual([['latin:one two'], ['latin:three']]);
    expect(drawn(layoutParagraph('香港中環皇后大道中', measure, { width: 4, maxLines: 3 }))).toEqual([['chinese:香港中環'], ['chinese:皇后大道'], ['chinese:中']]);
    expect(drawn(layoutParagraph('香港中環皇后大道中一號', measure, { width: 4, maxLines: 2 }))).toEqual([['chinese:香港中環'], ['chinese:皇后大', 'latin:…']]);
    expect(drawn(layoutParagraph('abcdefghij', measure, { width: 4, maxLines: 2 }))).toEqual([['latin:abcd'], ['latin:efg…']]);
  });

  it('breaks a right-to-left paragraph in reading order: the first words on the first line, aligned right', () => {
    const paragraph = layoutParagraph('محمد بن سلمان', measure, { width: 8, maxLines: 3 });
    expect(drawn(paragraph)).toEqual([['arabic*:محمد بن'], ['arabic*:سلمان']]);
    expect(paragraph.lines.map((line) => line.width)).toEqual([7, 5]);
  });
});
