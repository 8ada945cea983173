/**
 * A minimal PDF 1.4 writer with no dependency: the standard Helvetica fonts (not embedded,
 * every reader has them), text lines, one table whose rows wrap and flow over as many pages
 * as needed, and page numbers. Enough for an invoice; deterministic (the same input gives the
 * same bytes: no dates, no ids), uncompressed, ASCII only (other characters are transliterated
 * or replaced by "?").
 */

/** A table column: `width` in points; amounts read best right-aligned. */
export interface PdfTableColumn {
  header: string;
  width: number;
  align?: 'left' | 'right';
}

export interface PdfTable {
  columns: PdfTableColumn[];
  /** One string per column; a cell wraps within its column. A row with `bold` is set in bold (totals). */
  rows: (string[] | { cells: string[]; bold?: boolean })[];
}

/** What to print: title lines (the first one large and bold), a table, then footer lines. */
export interface PdfDocumentInput {
  title: string[];
  table?: PdfTable;
  footer?: string[];
  /** Points; default A4 (595 × 842). */
  pageSize?: { width: number; height: number };
  /** The document's Info title (metadata). */
  metadataTitle?: string;
}

// Advance widths (1/1000 em) of WinAnsi characters 32..126, from the Adobe AFM files.
const HELVETICA = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778,
  722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD = [
  278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778,
  722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
  611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

const TRANSLITERATIONS: Record<string, string> = {
  '×': 'x',
  '−': '-',
  '–': '-',
  '—': '-',
  '→': '->',
  '←': '<-',
  '∞': 'inf',
  '…': '...',
  '‘': "'",
  '’': "'",
  '“': '"',
  '”': '"',
  '\u00a0': ' ',
  '•': '*',
  '≤': '<=',
  '≥': '>=',
  '€': 'EUR',
  '£': 'GBP',
};

/** The printable-ASCII form of a text: known symbols transliterated, accents dropped, anything else "?". */
export function toPdfText(text: string): string {
  let out = '';
  for (const ch of text) {
    const mapped = TRANSLITERATIONS[ch];
    if (mapped !== undefined) out += mapped;
    else if (ch >= ' ' && ch <= '~') out += ch;
    else if (ch === '\t' || ch === '\n' || ch === '\r') out += ' ';
    else {
      const base = ch.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
      out += /^[ -~]+$/.test(base) ? base : '?';
    }
  }
  return out;
}

/** A PDF literal string body: backslash and parentheses escaped. */
export function escapePdfString(ascii: string): string {
  return ascii.replace(/[\\()]/g, (c) => `\\${c}`);
}

/** The width in points of an ASCII text at `size`. */
export function textWidth(ascii: string, size: number, bold = false): number {
  const widths = bold ? HELVETICA_BOLD : HELVETICA;
  let units = 0;
  for (let i = 0; i < ascii.length; i++) units += widths[ascii.charCodeAt(i) - 32] ?? 556;
  return (units * size) / 1000;
}

/** Greedy word wrap to `width` points; a word longer than the width is cut. Always at least one line. */
export function wrapText(ascii: string, width: number, size: number, bold = false): string[] {
  const lines: string[] = [];
  let line = '';
  const fits = (s: string) => textWidth(s, size, bold) <= width;
  for (const word of ascii.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    line = '';
    let rest = word;
    while (!fits(rest) && rest.length > 1) {
      let cut = rest.length - 1;
      while (cut > 1 && !fits(rest.slice(0, cut))) cut--;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    line = rest;
  }
  lines.push(line);
  return lines;
}

const MARGIN = 50;
const num = (n: number) => String(Math.round(n * 100) / 100);

interface Page {
  ops: string[];
}

/** Lays the document out on pages and serialises it as a PDF 1.4 file. */
export function renderPdf(input: PdfDocumentInput): Buffer {
  const { width: pageWidth, height: pageHeight } = input.pageSize ?? { width: 595, height: 842 };
  const contentWidth = pageWidth - 2 * MARGIN;
  const bottom = MARGIN + 20; // room for the page number
  const pages: Page[] = [];
  let page: Page = { ops: [] };
  let y = pageHeight - MARGIN;
  const newPage = () => {
    page = { ops: [] };
    pages.push(page);
    y = pageHeight - MARGIN;
  };
  newPage();
  const text = (x: number, baseline: number, ascii: string, size: number, bold = false) => {
    if (ascii === '') return;
    page.ops.push(`BT /${bold ? 'F2' : 'F1'} ${num(size)} Tf ${num(x)} ${num(baseline)} Td (${escapePdfString(ascii)}) Tj ET`);
  };
  const rule = (at: number, length: number) => page.ops.push(`0.5 w ${num(MARGIN)} ${num(at)} m ${num(MARGIN + length)} ${num(at)} l S`);
  const paragraph = (raw: string, size: number, bold: boolean, leading: number) => {
    for (const line of wrapText(toPdfText(raw), contentWidth, size, bold)) {
      if (y - leading < bottom) newPage();
      y -= leading;
      text(MARGIN, y, line, size, bold);
    }
  };

  input.title.forEach((line, i) => paragraph(line, i === 0 ? 16 : 10, i === 0, i === 0 ? 22 : 14));

  if (input.table) {
    const { columns, rows } = input.table;
    const total = columns.reduce((sum, c) => sum + c.width, 0);
    const scale = total > contentWidth ? contentWidth / total : 1;
    const cols = columns.map((c) => ({ ...c, width: c.width * scale }));
    const tableWidth = total * scale;
    const size = 9;
    const leading = 12;
    const pad = 3;
    const layoutRow = (cells: string[], bold: boolean) => cols.map((c, i) => wrapText(toPdfText(cells[i] ?? ''), c.width - 2 * pad, size, bold));
    const drawLine = (wrapped: string[][], index: number, bold: boolean) => {
      y -= leading;
      let x = MARGIN;
      cols.forEach((c, i) => {
        const s = wrapped[i][index] ?? '';
        const at = c.align === 'right' ? x + c.width - pad - textWidth(s, size, bold) : x + pad;
        text(at, y, s, size, bold);
        x += c.width;
      });
    };
    const header = layoutRow(
      cols.map((c) => c.header),
      true,
    );
    const headerLines = Math.max(...header.map((h) => h.length));
    const drawHeader = () => {
      for (let i = 0; i < headerLines; i++) drawLine(header, i, true);
      y -= 4;
      rule(y, tableWidth);
    };
    y -= 10;
    if (y - (headerLines + 1) * leading < bottom) newPage();
    drawHeader();
    const capacity = Math.floor((pageHeight - MARGIN - bottom) / leading) - headerLines - 1;
    for (const row of rows) {
      const cells = Array.isArray(row) ? row : row.cells;
      const bold = !Array.isArray(row) && row.bold === true;
      const wrapped = layoutRow(cells, bold);
      const height = Math.max(...wrapped.map((w) => w.length));
      // Keep a row on one page when it fits on one; a longer row flows over.
      if (height <= capacity && y - height * leading < bottom) {
        newPage();
        drawHeader();
      }
      for (let i = 0; i < height; i++) {
        if (y - leading < bottom) {
          newPage();
          drawHeader();
        }
        drawLine(wrapped, i, bold);
      }
    }
    y -= 6;
  }

  for (const line of input.footer ?? []) paragraph(line, 9, false, 12);

  pages.forEach((p, i) => {
    const label = `Page ${i + 1} of ${pages.length}`;
    p.ops.push(`BT /F1 8 Tf ${num(pageWidth / 2 - textWidth(label, 8) / 2)} ${num(MARGIN)} Td (${label}) Tj ET`);
  });
  return serialise(pages, pageWidth, pageHeight, toPdfText(input.metadataTitle ?? input.title[0] ?? ''));
}

/** Writes the objects, the cross-reference table (byte offsets) and the trailer. */
function serialise(pages: Page[], width: number, height: number, title: string): Buffer {
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 6 + 2 * i);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  objects[3] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>';
  objects[4] = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>';
  objects[5] = `<< /Producer (Switchboard) /Title (${escapePdfString(title)}) >>`;
  pages.forEach((p, i) => {
    const content = p.ops.join('\n');
    objects[pageIds[i]] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${num(width)} ${num(height)}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${pageIds[i] + 1} 0 R >>`;
    objects[pageIds[i] + 1] = `<< /Length ${content.length} >>\nstream\n${content}\nendstream`;
  });
  // The second line's bytes above 127 tell transfer tools the file is binary (PDF 1.4, 7.5.2).
  let out = '%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = out.length; // one byte per char: everything is ASCII except the latin1 comment above
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = out.length;
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 5 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
