import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { ErrorCode, SbError } from '@sb/core';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestStream } from '../object-digest';
import { assertObjectKey, parseObjectPrefix } from '../object-key';
import { objectMetadata, type ObjectMetadata } from '../object-metadata';
import { DEFAULT_CONTENT_TYPE, type ObjectStorage, type PutObjectOptions, type PutObjectResult, type StoredObject } from '../object-storage';

/** S3's smallest part but the last. */
export const MIN_PART_SIZE_BYTES = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE_BYTES = 8 * 1024 * 1024;
/** Parts uploaded at once: a put buffers at most partSizeBytes × this. */
const DEFAULT_PARTS_IN_FLIGHT = 2;
const DEFAULT_CONNECTION_TIMEOUT_MS = 5_000;
/** DeleteObjects takes at most 1,000 keys. */
const DELETE_BATCH = 1_000;

export interface S3ObjectStorageOptions {
  bucket: string;
  region: string;
  /** An S3-compatible endpoint (MinIO, Ceph, a test server); unset: AWS S3. */
  endpoint?: string;
  forcePathStyle?: boolean;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Multipart part size (≥ 5 MiB); bodies up to this size go in one PutObject. Default 8 MiB. */
  partSizeBytes?: number;
  /** Parts uploaded concurrently. Default 2. */
  partsInFlight?: number;
  /** Default 5 s. No overall request timeout: a download streams at its reader's pace. */
  connectionTimeoutMs?: number;
}

/**
 * Objects in an S3(-compatible) bucket. A put streams through `Upload`: a body up to one
 * part is a single PutObject, a larger one a multipart upload, which S3 only makes visible
 * on CompleteMultipartUpload and aborts when the body or a part fails. (An upload cut off
 * by a crash leaves parts behind: give the bucket an AbortIncompleteMultipartUpload
 * lifecycle rule.) S3 failures are rethrown as `dependency_unavailable`, their cause chained.
 */
export class S3ObjectStorage implements ObjectStorage {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly partSizeBytes: number;
  private readonly partsInFlight: number;

  constructor(options: S3ObjectStorageOptions) {
    this.bucket = options.bucket;
    this.partSizeBytes = options.partSizeBytes ?? DEFAULT_PART_SIZE_BYTES;
    this.partsInFlight = options.partsInFlight ?? DEFAULT_PARTS_IN_FLIGHT;
    if (this.partSizeBytes < MIN_PART_SIZE_BYTES) throw new RangeError(`partSizeBytes must be at least ${MIN_PART_SIZE_BYTES}`);
    if (!Number.isInteger(this.partsInFlight) || this.partsInFlight < 1) throw new RangeError('partsInFlight must be a positive integer');
    this.client = new S3Client({
      region: options.region,
      ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: { ...options.credentials },
      requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS },
    });
  }

  async put(key: string, body: Readable, options?: PutObjectOptions): Promise<PutObjectResult> {
    let metadata: ObjectMetadata;
    try {
      assertObjectKey(key);
      metadata = objectMetadata(options);
    } catch (error) {
      body.destroy();
      throw error;
    }
    const digest = new DigestStream();
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: digest,
        ContentType: metadata.contentType,
        ...(metadata.contentEncoding !== undefined ? { ContentEncoding: metadata.contentEncoding } : {}),
      },
      partSize: this.partSizeBytes,
      queueSize: this.partsInFlight,
      leavePartsOnError: false,
    });
    // A failed upload stops reading `digest`: destroy it (marked) so the pipeline and the body end too.
    const uploaded = upload.done().then(
      () => undefined,
      (error: unknown) => {
        digest.destroy(new UploadFailed());
        throw error;
      },
    );
    const [sent, piped] = await Promise.allSettled([uploaded, pipeline(body, digest)]);
    if (piped.status === 'rejected' && !(piped.reason instanceof UploadFailed)) {
      // The body failed (or its owner destroyed it): the caller's error. The upload was not completed.
      throw piped.reason;
    }
    if (sent.status === 'rejected') throw s3Failure('put', sent.reason);
    return { bytes: digest.bytes, sha256: digest.sha256() };
  }

  async get(key: string): Promise<StoredObject | null> {
    assertObjectKey(key);
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'NoSuchKey') return null;
      throw s3Failure('get', error);
    }
    const body = response.Body;
    if (!(body instanceof Readable)) throw s3Failure('get', new TypeError('GetObject returned no readable body'));
    return {
      body,
      bytes: response.ContentLength ?? 0,
      contentType: response.ContentType ?? DEFAULT_CONTENT_TYPE,
      ...(response.ContentEncoding !== undefined ? { contentEncoding: response.ContentEncoding } : {}),
    };
  }

  async exists(key: string): Promise<boolean> {
    assertObjectKey(key);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      // A HEAD error has no body: a missing key and a missing bucket are both a bare 404.
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return false;
      throw s3Failure('exists', error);
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const listed = `${parseObjectPrefix(prefix).join('/')}/`;
    let deleted = 0;
    let previousFirst: string | undefined;
    // List from the start after each batch: deleting under a continuation token can skip keys.
    for (;;) {
      let keys: string[];
      try {
        const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: listed, MaxKeys: DELETE_BATCH }));
        keys = (page.Contents ?? []).flatMap((object) => (object.Key !== undefined ? [object.Key] : []));
      } catch (error) {
        throw s3Failure('deletePrefix', error);
      }
      if (keys.length === 0) return deleted;
      if (keys[0] === previousFirst) {
        throw new SbError(ErrorCode.DependencyUnavailable, 'Object storage did not delete the objects', { details: { driver: 's3' } });
      }
      previousFirst = keys[0];
      let errors: number;
      try {
        const result = await this.client.send(
          new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }),
        );
        errors = result.Errors?.length ?? 0;
      } catch (error) {
        throw s3Failure('deletePrefix', error);
      }
      if (errors > 0) {
        throw new SbError(ErrorCode.DependencyUnavailable, 'Object storage did not delete the objects', { details: { driver: 's3', failed: errors } });
      }
      deleted += keys.length;
    }
  }

  /** Closes the client's sockets (Nest calls it at shutdown). */
  onModuleDestroy(): void {
    this.client.destroy();
  }
}

/** Marks the pipeline's end as the upload's doing, not the body's. */
class UploadFailed extends Error {
  constructor() {
    super('the upload failed');
  }
}

function s3Failure(operation: string, cause: unknown): SbError {
  const details: Record<string, unknown> = { driver: 's3', operation };
  if (cause instanceof S3ServiceException) {
    details.s3Error = cause.name;
    details.status = cause.$metadata.httpStatusCode;
  }
  return new SbError(ErrorCode.DependencyUnavailable, 'Object storage request failed', { details, cause });
}
