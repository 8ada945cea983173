import type { Readable } from 'node:stream';

/** What `put` stores with an object and `get` returns with it. */
export interface PutObjectOptions {
  /** Default `application/octet-stream`. */
  contentType?: string;
  /** E.g. `gzip` when the bytes are a gzip stream; the stored bytes are returned as they are, never decoded. */
  contentEncoding?: string;
}

export interface PutObjectResult {
  bytes: number;
  /** SHA-256 of the stored bytes, lowercase hex. */
  sha256: string;
}

export interface StoredObject {
  /** The object's bytes. Consume or destroy it: it holds a file handle or a connection. */
  body: Readable;
  bytes: number;
  contentType: string;
  contentEncoding?: string;
}

/**
 * Object storage for Bulk Data export files: a local directory or an S3-compatible bucket.
 *
 * Keys are relative, `/`-separated paths of safe segments (see `parseObjectKey`); a bad
 * key throws `ObjectKeyError` before any I/O. A key is either an object or a prefix of
 * other objects, never both (a filesystem cannot hold `a/b` as a file and a directory).
 */
export interface ObjectStorage {
  /**
   * Streams `body` into the object `key`, atomically: readers see the whole previous
   * object (or none) until the new one is complete, then the whole new one. A body that
   * fails leaves no object and no partial write behind, and the previous object intact.
   * Overwrites an object with the same key (idempotent re-runs). Takes ownership of
   * `body`: it is consumed, or destroyed when the put fails.
   */
  put(key: string, body: Readable, options?: PutObjectOptions): Promise<PutObjectResult>;
  /** The object, or null when there is none under `key`. */
  get(key: string): Promise<StoredObject | null>;
  exists(key: string): Promise<boolean>;
  /**
   * Deletes every object under `prefix/` (a path prefix: `a/b` removes `a/b/x` and
   * `a/b/c/y`, never `a/bc/z` nor an object named `a/b`); returns how many. A trailing
   * `/` is allowed. Objects put under the prefix while it runs may or may not survive.
   */
  deletePrefix(prefix: string): Promise<number>;
}

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** Injection token of the process's `ObjectStorage` (see `StorageModule`). */
export const OBJECT_STORAGE = Symbol('OBJECT_STORAGE');
