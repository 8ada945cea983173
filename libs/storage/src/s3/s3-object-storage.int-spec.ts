import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { SbError } from '@sb/core';
import { describeObjectStorageContract, MULTIPART_BODY_BYTES, sha256 } from '../testing/object-storage-contract';
import { startTestS3, type TestS3 } from '../testing/s3rver-harness';
import { MIN_PART_SIZE_BYTES, S3ObjectStorage, type S3ObjectStorageOptions } from './s3-object-storage';

const optionsFor = (s3: TestS3): S3ObjectStorageOptions => ({
  bucket: s3.bucket,
  region: s3.region,
  endpoint: s3.endpoint,
  forcePathStyle: true,
  credentials: s3.credentials,
  partSizeBytes: MIN_PART_SIZE_BYTES,
});

describeObjectStorageContract('s3 (s3rver)', async () => {
  const s3 = await startTestS3();
  const storage = new S3ObjectStorage(optionsFor(s3));
  return {
    storage,
    leftovers: () => Promise.resolve(s3.unfinishedUploads()),
    close: async () => {
      storage.onModuleDestroy();
      await s3.close();
    },
  };
});

describe('S3ObjectStorage against s3rver', () => {
  let s3: TestS3;
  let storage: S3ObjectStorage;
  beforeAll(async () => {
    s3 = await startTestS3();
    storage = new S3ObjectStorage(optionsFor(s3));
  });
  afterAll(async () => {
    storage.onModuleDestroy();
    await s3.close();
  });

  it('puts a small body in one PutObject and a large one as a multipart upload completed at the end', async () => {
    s3.requests.length = 0;
    await storage.put('small/1.ndjson', Readable.from([Buffer.from('small')]));
    expect(s3.requests).toEqual(['PUT ?']);

    s3.requests.length = 0;
    const data = randomBytes(MULTIPART_BODY_BYTES);
    expect(await storage.put('large/1.ndjson', Readable.from([data]))).toEqual({ bytes: data.length, sha256: sha256(data) });
    expect(s3.requests).toEqual(['POST ?uploads', 'PUT ?partNumber&uploadId', 'PUT ?partNumber&uploadId', 'PUT ?partNumber&uploadId', 'POST ?uploadId']);
    expect(s3.unfinishedUploads()).toEqual([]);
  });

  it('aborts the multipart upload when the body fails after parts were sent', async () => {
    s3.requests.length = 0;
    const failure = new Error('reset');
    const partsSent = async (): Promise<void> => {
      while (s3.requests.filter((r) => r === 'PUT ?partNumber&uploadId').length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    const data = randomBytes(MULTIPART_BODY_BYTES);
    const body = Readable.from(
      (async function* () {
        for (let at = 0; at < data.length; at += 1024 * 1024) yield data.subarray(at, at + 1024 * 1024);
        await partsSent();
        throw failure;
      })(),
    );
    await expect(storage.put('aborted/1.ndjson', body)).rejects.toBe(failure);
    expect(s3.requests).toEqual(['POST ?uploads', 'PUT ?partNumber&uploadId', 'PUT ?partNumber&uploadId', 'DELETE ?uploadId']);
    expect(s3.unfinishedUploads()).toEqual([]);
    expect(await storage.exists('aborted/1.ndjson')).toBe(false);
  });

  it('sends the configured access key: an unknown one is refused as dependency_unavailable', async () => {
    // s3rver checks the access key id, not SigV4 signatures.
    const wrong = new S3ObjectStorage({ ...optionsFor(s3), credentials: { accessKeyId: 'UNKNOWN', secretAccessKey: 'a-secret-value' } });
    try {
      const error = await wrong.put('denied/1.ndjson', Readable.from([Buffer.from('x')])).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SbError);
      expect(error).toMatchObject({ code: 'dependency_unavailable', details: { driver: 's3', operation: 'put', s3Error: 'InvalidAccessKeyId', status: 403 } });
      expect(JSON.stringify({ message: (error as Error).message, details: (error as SbError).details })).not.toContain('a-secret-value');
      await expect(wrong.get('small/1.ndjson')).rejects.toMatchObject({ code: 'dependency_unavailable' });
      await expect(wrong.exists('small/1.ndjson')).rejects.toMatchObject({ code: 'dependency_unavailable' });
      expect(await storage.exists('denied/1.ndjson')).toBe(false);
    } finally {
      wrong.onModuleDestroy();
    }
  });

  it('treats a missing bucket as a failure, not as a missing object', async () => {
    const elsewhere = new S3ObjectStorage({ ...optionsFor(s3), bucket: 'no-such-bucket' });
    try {
      await expect(elsewhere.get('any/key')).rejects.toMatchObject({ code: 'dependency_unavailable', details: { s3Error: 'NoSuchBucket' } });
      await expect(elsewhere.deletePrefix('any')).rejects.toMatchObject({ code: 'dependency_unavailable' });
    } finally {
      elsewhere.onModuleDestroy();
    }
  });

  it('fails clearly when the server is unreachable', async () => {
    const closed = await startTestS3();
    await closed.close();
    const unreachable = new S3ObjectStorage({ ...optionsFor(closed), connectionTimeoutMs: 1_000 });
    try {
      await expect(unreachable.exists('any/key')).rejects.toMatchObject({ code: 'dependency_unavailable', details: { operation: 'exists' } });
    } finally {
      unreachable.onModuleDestroy();
    }
  });

  it('streams 64 MiB in and out without holding the body: the source is never far ahead of the parts sent', async () => {
    const chunkBytes = 1024 * 1024;
    const chunks = 64;
    s3.requests.length = 0;
    const partsStarted = (): number => s3.requests.filter((r) => r === 'PUT ?partNumber&uploadId').length;
    let produced = 0;
    let maxAhead = 0;
    const body = new Readable({
      read() {
        if (produced === chunks * chunkBytes) return void this.push(null);
        maxAhead = Math.max(maxAhead, produced - partsStarted() * MIN_PART_SIZE_BYTES);
        const chunk = Buffer.alloc(chunkBytes, produced / chunkBytes);
        produced += chunkBytes;
        this.push(chunk);
      },
    });
    const result = await storage.put('huge/1.bin', body);
    expect(result.bytes).toBe(chunks * chunkBytes);
    expect(partsStarted()).toBe(Math.ceil((chunks * chunkBytes) / MIN_PART_SIZE_BYTES));
    // Pulled but not yet sent: the part being filled and two parts in flight, plus stream buffers.
    expect(maxAhead).toBeLessThan(24 * chunkBytes);

    const object = await storage.get('huge/1.bin');
    expect(object?.bytes).toBe(chunks * chunkBytes);
    let read = 0;
    for await (const chunk of object?.body ?? Readable.from([])) {
      const buffer = chunk as Buffer;
      // Every byte is its megabyte's index: nothing reordered or lost.
      expect(buffer[0]).toBe(Math.floor(read / chunkBytes));
      expect(buffer[buffer.length - 1]).toBe(Math.floor((read + buffer.length - 1) / chunkBytes));
      read += buffer.length;
    }
    expect(read).toBe(chunks * chunkBytes);
  });
});
