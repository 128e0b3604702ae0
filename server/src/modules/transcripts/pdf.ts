/**
 * A transcript as PDF (pages of 210 × 297 mm), for filing in a chart: the same parts as the plain text, laid out with PDFKit in DejaVu
 * Sans, embedded (subset) from the `dejavu-fonts-ttf` package. PDF's standard fonts only encode Western European
 * text, and patients write in their own languages: DejaVu Sans covers Latin with its accents, Greek, Cyrillic,
 * Armenian, Georgian, Hebrew and Arabic letters. Characters it has no glyph for (Chinese, Japanese, Korean, emoji,
 * Indic scripts) are printed as U+FFFD, and the first page says so: the plain-text transcript holds them as written.
 * The text can be selected and searched (the fonts carry their Unicode map); pages are numbered "Page n of m".
 */
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { TranscriptParts } from './parts';

const resolve = createRequire(import.meta.url).resolve;
const FONT_FILES = { regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf', bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf' };
let fonts: Promise<{ regular: Buffer; bold: Buffer }> | null = null;
/** Read once, on the first PDF. */
const loadFonts = () =>
  (fonts ??= Promise.all([Bun.file(resolve(FONT_FILES.regular)).arrayBuffer(), Bun.file(resolve(FONT_FILES.bold)).arrayBuffer()]).then(([regular, bold]) => ({
    regular: Buffer.from(regular),
    bold: Buffer.from(bold),
  })));

/** The glyph test of the font PDFKit embeds (fontkit's, which PDFKit keeps on its current font; PDFKit is pinned). */
type Glyphs = { _font: { font: { hasGlyphForCodePoint(cp: number): boolean } } };

export const MISSING = '\uFFFD';
const SIZE = { title: 16, heading: 12, text: 10, small: 8 };
const GREY = '#555555';

export async function transcriptPdf(parts: TranscriptParts, author: string): Promise<Uint8Array> {
  const { regular, bold } = await loadFonts();
  // `font` is the document's first font: without it PDFKit would load Helvetica from its own data files first.
  const doc = new PDFDocument({
    size: 'A4',
    margin: 56,
    bufferPages: true,
    font: regular as unknown as string,
    lang: 'en',
    displayTitle: true,
    info: { Title: parts.title, Author: author, Creator: 'MedChat', CreationDate: new Date() },
  });
  doc.registerFont('regular', regular);
  doc.registerFont('bold', bold);
  const chunks: Uint8Array[] = [];
  doc.on('data', (chunk: Uint8Array) => chunks.push(chunk));
  const done = new Promise<void>((ok, fail) => {
    doc.on('end', ok);
    doc.on('error', fail);
  });

  // A character is printed when both faces have it: names are set in bold, messages in regular.
  const faces = ['bold', 'regular'].map((name) => (doc.font(name) as unknown as Glyphs)._font.font);
  let replaced = false;
  const printable = (text: string) =>
    Array.from(text, (ch) => {
      const cp = ch.codePointAt(0)!;
      if (cp === 0x0a || cp === 0x09 || faces.every((f) => f.hasGlyphForCodePoint(cp))) return ch;
      replaced = true;
      return MISSING;
    }).join('');
  const all = [
    parts.title,
    ...parts.fields.flat(),
    ...parts.trail.flatMap((a) => [a.line, a.note ?? '']),
    ...parts.messages.flatMap((m) => [m.who, m.body, ...m.files]),
  ];
  for (const text of all) printable(text);

  doc.font('bold').fontSize(SIZE.title).text(printable(parts.title));
  doc.moveDown(0.6);
  const labelWidth = 64;
  for (const [label, value] of parts.fields) {
    const y = doc.y;
    doc.font('bold').fontSize(SIZE.text).text(label, doc.page.margins.left, y, { width: labelWidth });
    doc.font('regular').text(printable(value), doc.page.margins.left + labelWidth, y);
  }
  doc.x = doc.page.margins.left;
  if (replaced) {
    doc.moveDown(0.5);
    doc
      .fillColor(GREY)
      .fontSize(SIZE.small)
      .text(`Characters this PDF's font cannot show are printed as ${MISSING}; the plain-text transcript holds them as written.`);
    doc.fillColor('black');
  }

  heading(doc, 'Who held the chat');
  if (parts.trail.length === 0) doc.font('regular').fontSize(SIZE.text).text('No one.');
  for (const a of parts.trail) {
    doc.font('regular').fontSize(SIZE.text).text(printable(a.line), { indent: 0 });
    if (a.note) doc.font('bold').text('Handover note: ', { continued: true, indent: 12 }).font('regular').text(printable(a.note));
    doc.moveDown(0.3);
  }

  heading(doc, 'Messages');
  for (const m of parts.messages) {
    doc.font('bold').fontSize(SIZE.small).fillColor(GREY).text(`${m.at}  `, { continued: true }).fillColor('black').text(printable(m.who));
    if (m.body) doc.font('regular').fontSize(SIZE.text).text(printable(m.body), { indent: 12 });
    for (const file of m.files)
      doc
        .font('regular')
        .fontSize(SIZE.small)
        .fillColor(GREY)
        .text(`Attached: ${printable(file)}`, { indent: 12 })
        .fillColor('black');
    doc.moveDown(0.4);
  }
  doc.moveDown(0.6);
  doc.font('regular').fontSize(SIZE.text).text(parts.end);

  // "Page n of m" in each page's bottom margin, written once the number of pages is known.
  const { start, count } = doc.bufferedPageRange();
  for (let i = start; i < start + count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('regular')
      .fontSize(SIZE.small)
      .fillColor(GREY)
      .text(`${printable(parts.title)} · Page ${i + 1} of ${count}`, doc.page.margins.left, doc.page.height - bottom / 2 - SIZE.small, {
        width: doc.page.width - doc.page.margins.left - doc.page.margins.right,
        align: 'center',
        lineBreak: false,
      });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

function heading(doc: PDFKit.PDFDocument, text: string) {
  doc.moveDown(0.8);
  doc.x = doc.page.margins.left;
  doc.font('bold').fontSize(SIZE.heading).fillColor('black').text(text);
  doc.moveDown(0.3);
}
