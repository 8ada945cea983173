import type { RatedLine } from '../rating';
import { renderInvoicePdf, type InvoicePdfInput } from './invoice-pdf';
import { renderPdf, toPdfText, wrapText } from './pdf-writer';

/** Reads back the structure of a PDF this writer produced (uncompressed, one xref section). */
function inspect(pdf: Buffer) {
  const text = pdf.toString('latin1');
  const startxref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(text)?.[1]);
  const xrefHeader = /^xref\n0 (\d+)\n/.exec(text.slice(startxref));
  if (!xrefHeader) throw new Error('no xref at startxref');
  const size = Number(xrefHeader[1]);
  const entries = text
    .slice(startxref + xrefHeader[0].length)
    .split('\n')
    .slice(0, size);
  const objects = new Map<number, string>();
  entries.forEach((entry, id) => {
    if (id === 0) return;
    const offset = Number(entry.slice(0, 10));
    const body = text.slice(offset, text.indexOf('\nendobj\n', offset));
    objects.set(id, body);
  });
  const streams = [...objects.values()]
    .map((o) => /<< \/Length (\d+) >>\nstream\n([\s\S]*)\nendstream$/.exec(o.slice(o.indexOf('\n') + 1)))
    .filter((m): m is RegExpExecArray => m !== null);
  return { text, size, entries, objects, streams, content: streams.map((s) => s[2]).join('\n') };
}

describe('renderPdf', () => {
  it('writes a well-formed PDF 1.4: header, objects at their xref offsets, stream lengths, trailer', () => {
    const pdf = renderPdf({ title: ['Hello'], table: { columns: [{ header: 'A', width: 100 }], rows: [['x']] }, footer: ['bye'] });
    const { text, size, entries, objects, streams } = inspect(pdf);
    expect(text.startsWith('%PDF-1.4\n')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    expect(entries[0]).toBe('0000000000 65535 f ');
    for (let id = 1; id < size; id++) {
      expect(entries[id]).toMatch(/^\d{10} 00000 n $/);
      expect(text.slice(Number(entries[id].slice(0, 10))).startsWith(`${id} 0 obj\n`)).toBe(true);
    }
    expect(objects.get(1)).toContain('/Type /Catalog /Pages 2 0 R');
    expect(text).toMatch(new RegExp(`trailer\\n<< /Size ${size} /Root 1 0 R /Info 5 0 R >>`));
    for (const [, length, body] of streams) expect(Buffer.byteLength(body, 'latin1')).toBe(Number(length));
    expect(streams).toHaveLength(1);
  });

  it('is deterministic', () => {
    const input = { title: ['Same'], footer: ['input'] };
    expect(renderPdf(input).equals(renderPdf(input))).toBe(true);
  });

  it('escapes parentheses and backslashes, and prints only ASCII', () => {
    const { content, text } = inspect(renderPdf({ title: ['Acme (East) \\ Co', 'Hôpital Saint-Éloi — 15 000 × 0,10 € 漢 😀'] }));
    expect(content).toContain('(Acme \\(East\\) \\\\ Co) Tj');
    expect(content).toContain('(Hopital Saint-Eloi - 15 000 x 0,10 EUR ? ?) Tj');
    // nothing above 127 except the binary-marker comment on line 2
    expect(/[^\x20-\x7e\n]/.test(text.slice(text.indexOf('\n', 10)))).toBe(false);
  });

  it('flows a long table over several pages, repeating the header, and numbers the pages', () => {
    const rows = Array.from({ length: 150 }, (_, i) => [`row ${i + 1}`, String(i)]);
    const { objects, content } = inspect(
      renderPdf({
        title: ['Many rows'],
        table: {
          columns: [
            { header: 'Name', width: 200 },
            { header: 'Value', width: 100, align: 'right' },
          ],
          rows,
        },
      }),
    );
    // A4: (842 − 50 − 70) / 12 ≈ 60 lines a page, less the title and the header: 150 rows need 3 pages
    const pageObjects = [...objects.values()].filter((o) => o.includes('/Type /Page '));
    expect(pageObjects).toHaveLength(3);
    expect(objects.get(2)).toContain('/Count 3');
    for (const n of [1, 2, 3]) expect(content).toContain(`(Page ${n} of 3) Tj`);
    expect(content.match(/\(Name\) Tj/g)).toHaveLength(3);
    for (const i of [1, 75, 150]) expect(content).toContain(`(row ${i}) Tj`);
  });

  it('wraps text to the column and cuts a word longer than the column', () => {
    expect(wrapText('one two three four', 40, 10)).toEqual(['one two', 'three', 'four']);
    const cut = wrapText('a'.repeat(64), 100, 10);
    expect(cut.length).toBeGreaterThan(1);
    expect(cut.join('')).toBe('a'.repeat(64));
    expect(wrapText('', 100, 10)).toEqual(['']);
  });

  it('transliterates the symbols rating descriptions use', () => {
    expect(toPdfText('1,000 × 0.10 + 9,000 × 0.05 → 3 × 5.00 (volume tier 10,001–∞) 1,500 − 1,000')).toBe('1,000 x 0.10 + 9,000 x 0.05 -> 3 x 5.00 (volume tier 10,001-inf) 1,500 - 1,000');
  });
});

describe('renderInvoicePdf', () => {
  const line: RatedLine = {
    kind: 'usage',
    class: 'fhir.read',
    model: 'graduated',
    quantity: 15000,
    tiers: [
      { from: 1, upTo: 1000, quantity: 1000, unitPrice: '0.10', amount: '100.00' },
      { from: 1001, upTo: 10000, quantity: 9000, unitPrice: '0.05', amount: '450.00' },
      { from: 10001, upTo: null, quantity: 5000, unitPrice: '0.01', amount: '50.00' },
    ],
    amount: '600.00',
    description: '1,000 × 0.10 + 9,000 × 0.05 + 5,000 × 0.01',
  };
  const invoice: InvoicePdfInput = {
    number: 'SB-000042',
    tenant: { id: 'ten_1', name: 'Mercy (North)' },
    period: { id: '2026-03', start: '2026-03-01T05:00:00.000Z', end: '2026-04-01T04:00:00.000Z', timezone: 'America/New_York' },
    plan: { id: 'plan_1', name: 'Growth', version: 3 },
    currency: 'USD',
    lines: [
      line,
      { kind: 'minimumTrueUp', class: null, quantity: 1, tiers: [], amount: '20.00', description: 'minimum commitment 620.00 − usage 600.00 = 20.00' },
      { kind: 'correction', class: 'hl7.in', quantity: -10, tiers: [], amount: '-0.20', description: 'correction', invoiceId: 'inv_0', period: '2026-02' },
    ],
    subtotal: '600.00',
    total: '619.80',
    finalizedAt: '2026-04-01T05:00:00.000Z',
  };

  it('prints the header, every line with its computation and tiers, the totals and the hash', () => {
    const sha = 'ab'.repeat(32);
    const { content, objects } = inspect(renderInvoicePdf(invoice, sha));
    for (const expected of [
      '(Invoice SB-000042) Tj',
      '(Tenant: Mercy \\(North\\) \\(ten_1\\)) Tj',
      // the period in its own timezone: 00:00 EST to 00:00 EDT
      '(Billing period 2026-03: 2026-03-01 00:00 to 2026-04-01 00:00 \\(America/New_York\\)) Tj',
      '(Plan: Growth, version 3) Tj',
      '(fhir.read \\(graduated\\)) Tj',
      '(15,000) Tj',
      '(1,000 x 0.10 + 9,000 x 0.05 + 5,000 x 0.01) Tj',
      '(units 1,001-10,000: 9,000 x 0.05 = 450.00) Tj',
      '(units 10,001-and up: 5,000 x 0.01 = 50.00) Tj',
      '(600.00) Tj',
      '(Minimum commitment true-up) Tj',
      // wrapped within the Item column
      '(Correction: hl7.in \\(period) Tj',
      '(2026-02\\)) Tj',
      '(-0.20) Tj',
      '(619.80) Tj',
      '(SHA-256 of the canonical JSON document:) Tj',
      `(${sha}) Tj`,
      '(Page 1 of 1) Tj',
    ]) {
      expect(content).toContain(expected);
    }
    expect(content).toMatch(/\/F2 9 Tf [\d.]+ [\d.]+ Td \(Total\) Tj/);
    expect(objects.get(5)).toContain('/Title (Invoice SB-000042)');
  });

  it('right-aligns amounts: the same right edge for different widths', () => {
    const { content } = inspect(renderInvoicePdf(invoice, 'x'));
    const x = (amount: string) => Number(new RegExp(`([\\d.]+) [\\d.]+ Td \\(${amount.replace('.', '\\.')}\\) Tj`).exec(content)?.[1]);
    // "619.80" and "20.00" in Helvetica 9 pt: 6 digits/points … differ by one digit (556/1000 × 9 = 5.004 pt)
    expect(x('20.00') - x('619.80')).toBeCloseTo(5.0, 1);
  });
});
