import { SbError } from '@sb/core';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { BAD_KEYS, describeObjectStorageContract, getAll } from '../testing/object-storage-contract';
import { LocalObjectStorage, METADATA_SUFFIX, TEMP_SUFFIX, TRASH_PREFIX } from './local-object-storage';

/** Temporary files, trash, and sidecars whose object is gone: what an interrupted write would leave. */
async function leftovers(rootDir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(rootDir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  const files = new Set(entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name)));
  return [...entries]
    .map((e) => ({ path: join(e.parentPath, e.name), name: e.name }))
    .filter(({ path, name }) =>
      name.endsWith(TEMP_SUFFIX) ||
      name.startsWith(TRASH_PREFIX) ||
      (name.endsWith(METADATA_SUFFIX) && !files.has(path.slice(0, -METADATA_SUFFIX.length))),
    )
    .map(({ path }) => path.slice(rootDir.length + 1));
}

describeObjectStorageContract('local', () => {
  const base = mkdtempSync(join(tmpdir(), 'sb-storage-'));
  const rootDir = join(base, 'exports');
  return Promise.resolve({
    storage: new LocalObjectStorage({ rootDir }),
    leftovers: () => leftovers(rootDir),
    close: () => Promise.resolve(rmSync(base, { recursive: true, force: true })),
  });
});

describe('LocalObjectStorage', () => {
  let base: string;
  let rootDir: string;
  let storage: LocalObjectStorage;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), 'sb-storage-'));
    rootDir = join(base, 'exports');
    storage = new LocalObjectStorage({ rootDir });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it('keeps each object as a plain file under the root, private to the user, with a metadata sidecar', async () => {
    await storage.put('tenants/t1/exports/e1/1.Patient.ndjson.gz', Readable.from([Buffer.from('gz')]), { contentType: 'application/fhir+ndjson', contentEncoding: 'gzip' });
    const file = join(rootDir, 'tenants/t1/exports/e1/1.Patient.ndjson.gz');
    expect(readFileSync(file, 'utf8')).toBe('gz');
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(statSync(join(rootDir, 'tenants')).mode & 0o077).toBe(0);
    expect(JSON.parse(readFileSync(`${file}${METADATA_SUFFIX}`, 'utf8'))).toEqual({ contentType: 'application/fhir+ndjson', contentEncoding: 'gzip' });
    expect(readdirSync(join(rootDir, 'tenants/t1/exports/e1')).sort()).toEqual(['1.Patient.ndjson.gz', `1.Patient.ndjson.gz${METADATA_SUFFIX}`]);
  });

  it('serves an object whose sidecar is missing as application/octet-stream', async () => {
    mkdirSync(join(rootDir, 'a'), { recursive: true });
    writeFileSync(join(rootDir, 'a/placed-by-hand.ndjson'), 'x');
    expect(await getAll(storage, 'a/placed-by-hand.ndjson')).toEqual({ data: Buffer.from('x'), bytes: 1, contentType: 'application/octet-stream' });
  });

  it('never writes, reads or deletes outside its root, whatever the key', async () => {
    writeFileSync(join(base, 'outside'), 'secret');
    for (const key of BAD_KEYS) {
      await expect(storage.put(key as string, Readable.from([Buffer.from('x')]))).rejects.toThrow(/Invalid object storage key/);
      await expect(storage.get(key as string)).rejects.toThrow(/Invalid object storage key/);
    }
    await expect(storage.deletePrefix('..')).rejects.toThrow(/Invalid object storage key/);
    expect(readdirSync(base).sort()).toEqual(['outside']);
    expect(readFileSync(join(base, 'outside'), 'utf8')).toBe('secret');
  });

  it('does not follow a symlink planted under the root', async () => {
    mkdirSync(join(rootDir, 'a'), { recursive: true });
    mkdirSync(join(base, 'elsewhere'));
    writeFileSync(join(base, 'elsewhere/file'), 'secret');
    symlinkSync(join(base, 'elsewhere/file'), join(rootDir, 'a/link'));
    symlinkSync(join(base, 'elsewhere'), join(rootDir, 'a/dir'));
    expect(await storage.get('a/link')).toBeNull();
    expect(await storage.exists('a/link')).toBe(false);
    expect(await storage.deletePrefix('a/dir')).toBe(0);
    expect(readFileSync(join(base, 'elsewhere/file'), 'utf8')).toBe('secret');
  });

  it('refuses a key that is also a prefix of other objects, and the reverse', async () => {
    await storage.put('a/b', Readable.from([Buffer.from('object')]));
    await expect(storage.put('a/b/c', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'conflict' });
    await storage.put('x/y/z', Readable.from([Buffer.from('object')]));
    await expect(storage.put('x/y', Readable.from([Buffer.from('x')]))).rejects.toBeInstanceOf(SbError);
    expect((await getAll(storage, 'a/b'))?.data.toString()).toBe('object');
    expect((await getAll(storage, 'x/y/z'))?.data.toString()).toBe('object');
    expect(await leftovers(rootDir)).toEqual([]);
  });

  it('answers get, exists and deletePrefix before the root directory exists', async () => {
    expect(await storage.get('a/b')).toBeNull();
    expect(await storage.exists('a/b')).toBe(false);
    expect(await storage.deletePrefix('a')).toBe(0);
  });

  it('streams 96 MiB in and out with back-pressure: the writer is never far ahead of the disk', async () => {
    const chunkBytes = 1024 * 1024;
    const chunks = 96;
    const key = 'big/1.bin';
    const dir = join(rootDir, 'big');
    const hash = createHash('sha256');
    let produced = 0;
    let maxAhead = 0;
    const onDisk = (): number => {
      try {
        return readdirSync(dir)
          .filter((name) => name.endsWith(TEMP_SUFFIX))
          .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
      } catch {
        return 0;
      }
    };
    const before = process.memoryUsage().rss;
    let peak = before;
    const body = new Readable({
      read() {
        if (produced === chunks * chunkBytes) return void this.push(null);
        maxAhead = Math.max(maxAhead, produced - onDisk());
        peak = Math.max(peak, process.memoryUsage().rss);
        const chunk = Buffer.alloc(chunkBytes, produced / chunkBytes);
        hash.update(chunk);
        produced += chunkBytes;
        this.push(chunk);
      },
    });
    const result = await storage.put(key, body);
    expect(result).toEqual({ bytes: chunks * chunkBytes, sha256: hash.digest('hex') });
    // In flight: the source's, the digest's and the file stream's buffers, a few MiB.
    expect(maxAhead).toBeLessThan(8 * chunkBytes);

    const object = await storage.get(key);
    let read = 0;
    for await (const chunk of object?.body ?? Readable.from([])) {
      expect((chunk as Buffer)[0]).toBe(Math.floor(read / chunkBytes));
      read += (chunk as Buffer).length;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(read).toBe(chunks * chunkBytes);
    // Loose (GC timing): holding the whole body would be 96 MiB more.
    expect(peak - before).toBeLessThan(80 * 1024 * 1024);
  });
});
