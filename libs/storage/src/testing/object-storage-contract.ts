/**
 * The contract every ObjectStorage driver passes: round trips of text, binary and gzip
 * bytes with their digest and metadata, atomic visibility (a put in progress or a failed
 * one is never seen, and leaves nothing behind), overwrite, exists, deletePrefix's
 * boundaries, and key validation.
 */
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ObjectKeyError } from '../object-key';
import type { ObjectStorage, PutObjectResult, StoredObject } from '../object-storage';

export interface ObjectStorageHarness {
  storage: ObjectStorage;
  /** What partial writes the driver left behind (temporary files, unfinished multipart uploads). */
  leftovers(): Promise<string[]>;
  close(): Promise<void>;
}

/** Larger than the S3 driver's 5 MiB test part size, so S3 puts go multipart. */
export const MULTIPART_BODY_BYTES = 11 * 1024 * 1024 + 123;

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export async function readAll(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/** The object's bytes and metadata, or null. */
export async function getAll(storage: ObjectStorage, key: string): Promise<(Omit<StoredObject, 'body'> & { data: Buffer }) | null> {
  const object = await storage.get(key);
  if (object === null) return null;
  const { body, ...rest } = object;
  return { ...rest, data: await readAll(body) };
}

/** A body that yields `data` in `chunkBytes` pieces, then fails with `error` if given. */
export function chunked(data: Buffer, chunkBytes = 64 * 1024, error?: Error): Readable {
  return Readable.from(
    (async function* () {
      for (let at = 0; at < data.length; at += chunkBytes) {
        yield data.subarray(at, at + chunkBytes);
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (error) throw error;
    })(),
  );
}

const put = (storage: ObjectStorage, key: string, data: Buffer, options?: Parameters<ObjectStorage['put']>[2]): Promise<PutObjectResult> =>
  storage.put(key, chunked(data), options);

export const BAD_KEYS: readonly unknown[] = [
  '',
  '/',
  '/etc/passwd',
  '../outside',
  'a/../../outside',
  'a/..',
  '..',
  '.',
  'a/./b',
  'a//b',
  'a/',
  '.hidden',
  'a/.hidden',
  'a\\..\\b',
  'a b',
  'a\u0000b',
  'a\nb',
  'tenants/\u00e4',
  'a~b',
  'a/b~meta.json',
  '-rf',
  'a?b',
  'a%2F..%2Fb',
  'x'.repeat(201),
  `${'a/'.repeat(512)}a`,
  42,
  undefined,
];

export function describeObjectStorageContract(name: string, start: () => Promise<ObjectStorageHarness>): void {
  describe(`ObjectStorage contract: ${name}`, () => {
    let harness: ObjectStorageHarness;
    let storage: ObjectStorage;
    let run = 0;
    /** A fresh prefix per test, so tests never see one another's objects. */
    let root: string;

    beforeAll(async () => {
      harness = await start();
      storage = harness.storage;
    });
    afterAll(() => harness.close());
    beforeEach(() => {
      run += 1;
      root = `tenants/t${run}/exports/e${run}`;
    });

    it('round-trips text with its content type, returning the byte count and SHA-256 of what it stored', async () => {
      const data = Buffer.from('{"resourceType":"Patient","id":"1"}\n{"resourceType":"Patient","id":"2"}\n');
      const result = await put(storage, `${root}/1.Patient.ndjson`, data, { contentType: 'application/fhir+ndjson' });
      expect(result).toEqual({ bytes: data.length, sha256: sha256(data) });
      const stored = await getAll(storage, `${root}/1.Patient.ndjson`);
      expect(stored).toEqual({ data, bytes: data.length, contentType: 'application/fhir+ndjson' });
    });

    it('round-trips binary bytes unchanged (every byte value, random data, many chunks)', async () => {
      const data = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(300_000)]);
      const result = await storage.put(`${root}/blob.bin`, chunked(data, 7_777));
      expect(result).toEqual({ bytes: data.length, sha256: sha256(data) });
      const stored = await getAll(storage, `${root}/blob.bin`);
      expect(stored?.data.equals(data)).toBe(true);
      expect(stored?.bytes).toBe(data.length);
      expect(stored?.contentType).toBe('application/octet-stream');
      expect(stored?.contentEncoding).toBeUndefined();
    });

    it('stores gzip bytes as they are, with their content encoding, never decoding them', async () => {
      const ndjson = Buffer.from(Array.from({ length: 2_000 }, (_, i) => `{"resourceType":"Observation","id":"o${i}"}`).join('\n'));
      const gz = gzipSync(ndjson);
      const key = `${root}/1.Observation.ndjson.gz`;
      const result = await put(storage, key, gz, { contentType: 'application/fhir+ndjson', contentEncoding: 'gzip' });
      expect(result).toEqual({ bytes: gz.length, sha256: sha256(gz) });
      const stored = await getAll(storage, key);
      expect(stored).toMatchObject({ bytes: gz.length, contentType: 'application/fhir+ndjson', contentEncoding: 'gzip' });
      expect(stored?.data.equals(gz)).toBe(true);
      expect(gunzipSync(stored?.data ?? Buffer.alloc(0)).equals(ndjson)).toBe(true);
    });

    it('stores an empty object', async () => {
      const result = await storage.put(`${root}/empty.ndjson`, Readable.from([]));
      expect(result).toEqual({ bytes: 0, sha256: sha256(Buffer.alloc(0)) });
      expect(await storage.exists(`${root}/empty.ndjson`)).toBe(true);
      expect(await getAll(storage, `${root}/empty.ndjson`)).toEqual({ data: Buffer.alloc(0), bytes: 0, contentType: 'application/octet-stream' });
    });

    it('streams a body larger than a multipart part', async () => {
      const data = randomBytes(MULTIPART_BODY_BYTES);
      const result = await storage.put(`${root}/big.bin`, chunked(data, 256 * 1024));
      expect(result).toEqual({ bytes: data.length, sha256: sha256(data) });
      const stored = await getAll(storage, `${root}/big.bin`);
      expect(stored?.bytes).toBe(data.length);
      expect(stored !== null && sha256(stored.data)).toBe(sha256(data));
    });

    it('overwrites an object with the same key, metadata included', async () => {
      const key = `${root}/1.Patient.ndjson.gz`;
      await put(storage, key, Buffer.from('first version, longer than the second'), { contentType: 'text/plain', contentEncoding: 'gzip' });
      const second = Buffer.from('second');
      expect(await put(storage, key, second, { contentType: 'application/fhir+ndjson' })).toEqual({ bytes: 6, sha256: sha256(second) });
      expect(await getAll(storage, key)).toEqual({ data: second, bytes: 6, contentType: 'application/fhir+ndjson' });
    });

    it('shows nothing of a put in progress: absent until complete, the old version until replaced', async () => {
      const key = `${root}/in-progress.ndjson`;
      const body = new PassThrough();
      const putting = storage.put(key, body);
      body.write(Buffer.alloc(64 * 1024, 1));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await storage.exists(key)).toBe(false);
      expect(await storage.get(key)).toBeNull();
      body.end(Buffer.alloc(10, 2));
      expect((await putting).bytes).toBe(64 * 1024 + 10);
      expect(await storage.exists(key)).toBe(true);

      const old = (await getAll(storage, key))?.data;
      const replacing = new PassThrough();
      const replaced = storage.put(key, replacing);
      replacing.write('new ');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await getAll(storage, key))?.data.equals(old ?? Buffer.alloc(0))).toBe(true);
      replacing.end('version');
      await replaced;
      expect((await getAll(storage, key))?.data.toString()).toBe('new version');
    });

    it.each([
      ['a small body', 100_000],
      ['a multipart-sized body', MULTIPART_BODY_BYTES],
    ])('a body that fails (%s) rejects with its error and leaves no object and no partial write', async (_label, size) => {
      const key = `${root}/failed.ndjson`;
      const failure = new Error('vendor download reset');
      const body = chunked(randomBytes(size), 256 * 1024, failure);
      await expect(storage.put(key, body)).rejects.toBe(failure);
      expect(body.destroyed).toBe(true);
      expect(await storage.exists(key)).toBe(false);
      expect(await storage.get(key)).toBeNull();
      expect(await harness.leftovers()).toEqual([]);
    });

    it('a failed overwrite keeps the previous object whole', async () => {
      const key = `${root}/kept.ndjson`;
      const original = randomBytes(50_000);
      await put(storage, key, original, { contentType: 'application/fhir+ndjson', contentEncoding: 'gzip' });
      const failure = new Error('aborted');
      await expect(storage.put(key, chunked(randomBytes(MULTIPART_BODY_BYTES), 256 * 1024, failure))).rejects.toBe(failure);
      expect(await getAll(storage, key)).toEqual({ data: original, bytes: original.length, contentType: 'application/fhir+ndjson', contentEncoding: 'gzip' });
      expect(await harness.leftovers()).toEqual([]);
    });

    it('a body destroyed by its owner fails the put and leaves nothing', async () => {
      const key = `${root}/destroyed.ndjson`;
      const body = new PassThrough();
      const putting = storage.put(key, body);
      body.write(Buffer.alloc(1_000, 3));
      await new Promise((resolve) => setTimeout(resolve, 20));
      body.destroy();
      await expect(putting).rejects.toThrow();
      expect(await storage.exists(key)).toBe(false);
      expect(await harness.leftovers()).toEqual([]);
    });

    it('answers exists and get for missing keys and for prefixes, which are not objects', async () => {
      await put(storage, `${root}/dir/file.ndjson`, Buffer.from('x'));
      expect(await storage.exists(`${root}/dir/file.ndjson`)).toBe(true);
      expect(await storage.exists(`${root}/dir/missing.ndjson`)).toBe(false);
      expect(await storage.exists(`${root}/dir`)).toBe(false);
      expect(await storage.exists(`${root}/dir/file.ndjson/below`)).toBe(false);
      expect(await storage.get(`${root}/dir/missing.ndjson`)).toBeNull();
      expect(await storage.get(`${root}/dir`)).toBeNull();
      expect(await storage.get(`${root}/nowhere/at/all`)).toBeNull();
    });

    it('deletes every object under a prefix and nothing beside it', async () => {
      const inside = [`${root}/a/1.ndjson`, `${root}/a/2.ndjson`, `${root}/a/deep/er/3.ndjson`];
      const outside = [`${root}/ab/4.ndjson`, `${root}/a.ndjson`, `${root}/b/a/5.ndjson`];
      for (const key of [...inside, ...outside]) await put(storage, key, Buffer.from(key));
      expect(await storage.deletePrefix(`${root}/a`)).toBe(3);
      for (const key of inside) expect(await storage.exists(key)).toBe(false);
      for (const key of outside) expect((await getAll(storage, key))?.data.toString()).toBe(key);
      expect(await storage.deletePrefix(`${root}/a`)).toBe(0);
      expect(await storage.deletePrefix(`${root}/ab/`)).toBe(1);
      expect(await storage.exists(`${root}/ab/4.ndjson`)).toBe(false);
      expect(await storage.deletePrefix(`${root}/never-written`)).toBe(0);
      // A key is not a prefix of itself.
      expect(await storage.deletePrefix(`${root}/a.ndjson`)).toBe(0);
      expect(await storage.exists(`${root}/a.ndjson`)).toBe(true);
      // What was deleted can be written again.
      await put(storage, inside[0], Buffer.from('again'));
      expect((await getAll(storage, inside[0]))?.data.toString()).toBe('again');
      expect(await harness.leftovers()).toEqual([]);
    });

    it('counts many objects under a prefix', async () => {
      const keys = Array.from({ length: 25 }, (_, i) => `${root}/many/${i % 3}/${i}.ndjson`);
      await Promise.all(keys.map((key) => put(storage, key, Buffer.from(key))));
      expect(await storage.deletePrefix(`${root}/many`)).toBe(25);
      expect(await Promise.all(keys.map((key) => storage.exists(key)))).toEqual(keys.map(() => false));
    });

    it.each(BAD_KEYS.map((key) => [key]))('rejects the bad key %j everywhere, touching nothing', async (key) => {
      const body = Readable.from([Buffer.from('x')]);
      await expect(storage.put(key as string, body)).rejects.toBeInstanceOf(ObjectKeyError);
      expect(body.destroyed).toBe(true);
      await expect(storage.get(key as string)).rejects.toThrow(/^Invalid object storage key: /);
      await expect(storage.exists(key as string)).rejects.toBeInstanceOf(ObjectKeyError);
      if (key !== 'a/') await expect(storage.deletePrefix(key as string)).rejects.toBeInstanceOf(ObjectKeyError);
      expect(await harness.leftovers()).toEqual([]);
    });

    it('refuses an empty or root prefix rather than deleting everything', async () => {
      await put(storage, `${root}/survivor.ndjson`, Buffer.from('x'));
      for (const prefix of ['', '/', '//']) await expect(storage.deletePrefix(prefix)).rejects.toBeInstanceOf(ObjectKeyError);
      expect(await storage.exists(`${root}/survivor.ndjson`)).toBe(true);
    });

    it('refuses metadata no HTTP header could carry', async () => {
      await expect(storage.put(`${root}/x`, Readable.from([Buffer.from('x')]), { contentType: 'text/plain\r\nX-Injected: 1' })).rejects.toThrow(
        /Invalid object metadata/,
      );
      expect(await storage.exists(`${root}/x`)).toBe(false);
    });
  });
}
