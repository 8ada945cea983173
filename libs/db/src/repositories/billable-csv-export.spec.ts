import { Readable } from 'node:stream';
import { CopyBinaryTextValues } from './billable-csv-export';

/** A binary COPY stream of one text column, built from the format's definition (PostgreSQL docs, "COPY: Binary Format"). */
function binaryCopy(values: (string | null)[], headerExtension = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(19);
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').copy(header, 0);
  header.writeUInt32BE(0, 11);
  header.writeUInt32BE(headerExtension.length, 15);
  const tuples = values.map((v) => {
    const bytes = v === null ? Buffer.alloc(0) : Buffer.from(v, 'utf8');
    const tuple = Buffer.alloc(6);
    tuple.writeInt16BE(1, 0);
    tuple.writeInt32BE(v === null ? -1 : bytes.length, 2);
    return Buffer.concat([tuple, bytes]);
  });
  const trailer = Buffer.alloc(2);
  trailer.writeInt16BE(-1, 0);
  return Buffer.concat([header, headerExtension, ...tuples, trailer]);
}

async function unwrap(chunks: Buffer[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const part of Readable.from(chunks).pipe(new CopyBinaryTextValues())) out.push(part as Buffer);
  return Buffer.concat(out).toString('utf8');
}

function split(buf: Buffer, sizes: (i: number) => number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let pos = 0, i = 0; pos < buf.length; i++) {
    const size = sizes(i);
    chunks.push(buf.subarray(pos, pos + size));
    pos += size;
  }
  return chunks;
}

const LINES = ['a,2026-11-01T01:30:00.000-04:00,"Clinic ""North"", 2"\r\n', 'b,é,ü — ✓\r\n', '', 'c,3\r\n'];

describe('CopyBinaryTextValues', () => {
  it('yields the values back to back, whatever the chunk boundaries (one byte at a time, odd sizes, one chunk)', async () => {
    const copy = binaryCopy(LINES);
    const expected = LINES.join('');
    expect(await unwrap([copy])).toBe(expected);
    expect(await unwrap(split(copy, () => 1))).toBe(expected);
    expect(await unwrap(split(copy, (i) => [7, 3, 19, 2, 11][i % 5] as number))).toBe(expected);
  });

  it('skips a header extension, NULL values and anything after the trailer', async () => {
    const copy = Buffer.concat([binaryCopy(['x\r\n', null, 'y\r\n'], Buffer.from('ext!')), Buffer.from('garbage')]);
    expect(await unwrap(split(copy, () => 5))).toBe('x\r\ny\r\n');
  });

  it('fails on a row that is not one column', async () => {
    const copy = binaryCopy(['x']);
    copy.writeInt16BE(2, 19);
    await expect(unwrap([copy])).rejects.toThrow('expected one column per COPY row, got 2');
  });
});
