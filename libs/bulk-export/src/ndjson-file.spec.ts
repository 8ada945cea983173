import { LocalObjectStorage } from '@sb/storage';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { createGunzip } from 'node:zlib';
import { writeNdjsonFile } from './ndjson-file';
import { splitIntoFiles } from './store-export';

let dir: string;
let storage: LocalObjectStorage;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-ndjson-'));
  storage = new LocalObjectStorage({ rootDir: dir });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function* resources(n: number) {
  for (let i = 0; i < n; i += 1) yield { resourceType: 'Patient', id: `p${i}` };
}

describe('writeNdjsonFile', () => {
  it('stores gzip NDJSON, one resource per line, with its line count', async () => {
    const written = await writeNdjsonFile(storage, 'a/1.Patient.ndjson.gz', resources(3));
    expect(written.lines).toBe(3);
    const stored = await storage.get('a/1.Patient.ndjson.gz');
    expect(stored?.contentEncoding).toBe('gzip');
    expect(stored?.bytes).toBe(written.bytes);
    const body = await text((stored?.body ?? null)!.pipe(createGunzip()));
    expect(body).toBe('{"resourceType":"Patient","id":"p0"}\n{"resourceType":"Patient","id":"p1"}\n{"resourceType":"Patient","id":"p2"}\n');
  });

  it('leaves no object behind when the source fails mid-file', async () => {
    async function* failing() {
      yield { resourceType: 'Patient', id: 'p0' };
      throw new Error('store went away');
    }
    await expect(writeNdjsonFile(storage, 'a/2.Patient.ndjson.gz', failing())).rejects.toThrow('store went away');
    expect(await storage.exists('a/2.Patient.ndjson.gz')).toBe(false);
  });
});

describe('splitIntoFiles', () => {
  it('splits at the per-file limit and starts no empty file', async () => {
    const sizes: number[] = [];
    const count = await splitIntoFiles(resources(5), async (_seq, items) => {
      let n = 0;
      for await (const _ of items) n += 1;
      sizes.push(n);
    }, 2);
    expect(count).toBe(3);
    expect(sizes).toEqual([2, 2, 1]);
    expect(await splitIntoFiles(resources(0), () => Promise.reject(new Error('no file expected')), 2)).toBe(0);
  });
});
