import { ErrorCode, SbError } from '@sb/core';
import { randomBytes } from 'node:crypto';
import { constants, createWriteStream, type Stats } from 'node:fs';
import { lstat, mkdir, open, readFile, readdir, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestStream } from '../object-digest';
import { ObjectKeyError, parseObjectKey, parseObjectPrefix } from '../object-key';
import { objectMetadata, type ObjectMetadata } from '../object-metadata';
import { DEFAULT_CONTENT_TYPE, type ObjectStorage, type PutObjectOptions, type PutObjectResult, type StoredObject } from '../object-storage';

/**
 * Names holding `~` are the driver's own (temporary files, metadata sidecars, trash):
 * object keys can never contain it, so they never collide with an object.
 */
const OWN_MARK = '~';
export const METADATA_SUFFIX = `${OWN_MARK}meta.json`;
export const TEMP_SUFFIX = '.tmp';
export const TRASH_PREFIX = `${OWN_MARK}trash-`;

/** Export files hold PHI: readable by the gateway's user only. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export interface LocalObjectStorageOptions {
  /** The root directory; created (mode 0700) on the first put. */
  rootDir: string;
}

/**
 * Objects as plain files under a root directory (`<root>/<key>`), their content type and
 * encoding in a JSON sidecar (`<root>/<key>~meta.json`). A put writes a temporary file
 * beside the target, fsyncs it and renames it into place, so a reader sees the whole old
 * or the whole new file. The sidecar is renamed in just before the data: an overwrite
 * with different metadata can pair, for a moment, the new metadata with the old bytes.
 */
export class LocalObjectStorage implements ObjectStorage {
  readonly rootDir: string;

  constructor(options: LocalObjectStorageOptions) {
    this.rootDir = resolve(options.rootDir);
  }

  async put(key: string, body: Readable, options?: PutObjectOptions): Promise<PutObjectResult> {
    let path: string;
    let metadata: ObjectMetadata;
    try {
      path = this.pathOf(key);
      metadata = objectMetadata(options);
    } catch (error) {
      body.destroy();
      throw error;
    }
    const token = `${OWN_MARK}${randomBytes(8).toString('hex')}`;
    const tempData = `${path}${token}${TEMP_SUFFIX}`;
    const tempMetadata = `${path}${token}.meta${TEMP_SUFFIX}`;
    const digest = new DigestStream();
    try {
      await this.makeParentsOf(path);
      // flush: fsync before close; the pipeline settles once the file is closed.
      await pipeline(body, digest, createWriteStream(tempData, { flags: 'wx', mode: FILE_MODE, flush: true }));
      await writeDurably(tempMetadata, JSON.stringify(metadata));
      await rename(tempMetadata, `${path}${METADATA_SUFFIX}`);
      await rename(tempData, path);
      await syncDirectory(dirname(path));
    } catch (error) {
      body.destroy();
      // Best effort: the first error is the one to report.
      await Promise.all([tempData, tempMetadata].map((temp) => rm(temp, { force: true }).catch(() => undefined)));
      throw error;
    }
    return { bytes: digest.bytes, sha256: digest.sha256() };
  }

  async get(key: string): Promise<StoredObject | null> {
    const path = this.pathOf(key);
    let file: FileHandle;
    try {
      // O_NOFOLLOW: a symlink planted under the root is not followed out of it.
      file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
    try {
      const stats = await file.stat();
      if (!stats.isFile()) {
        await file.close();
        return null;
      }
      const metadata = await readMetadata(path);
      return { body: file.createReadStream(), bytes: stats.size, ...metadata };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      // lstat, as get's O_NOFOLLOW: a symlink planted under the root is not an object.
      return (await lstat(path)).isFile();
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async deletePrefix(prefix: string): Promise<number> {
    const dir = this.pathOfSegments(parseObjectPrefix(prefix));
    // One rename takes the whole prefix out of sight; counting and removal happen after.
    const trash = join(this.rootDir, `${TRASH_PREFIX}${randomBytes(8).toString('hex')}`);
    try {
      // lstat: a symlink is not a prefix to count (or follow) through.
      if (!(await lstat(dir)).isDirectory()) return 0;
      await rename(dir, trash);
    } catch (error) {
      if (isMissing(error)) return 0;
      throw error;
    }
    const entries = await readdir(trash, { withFileTypes: true, recursive: true });
    const objects = entries.filter((entry) => entry.isFile() && !entry.name.includes(OWN_MARK)).length;
    await rm(trash, { recursive: true, force: true });
    return objects;
  }

  /** The object's file path: the key's, under the root. */
  private pathOf(key: unknown): string {
    return this.pathOfSegments(parseObjectKey(key));
  }

  private pathOfSegments(segments: string[]): string {
    const path = join(this.rootDir, ...segments);
    const base = this.rootDir.endsWith(sep) ? this.rootDir : `${this.rootDir}${sep}`;
    if (!path.startsWith(base)) throw new ObjectKeyError('outside the root');
    return path;
  }

  /** Creates the object's directories; refuses a key that runs through an object (`a/b/c` with `a/b` stored) or names a prefix. */
  private async makeParentsOf(path: string): Promise<void> {
    const parent = dirname(path);
    try {
      await mkdir(parent, { recursive: true, mode: DIR_MODE });
    } catch (error) {
      if (hasCode(error, 'ENOTDIR') || hasCode(error, 'EEXIST')) throw keyConflict();
      throw error;
    }
    if (!(await statOrNull(parent))?.isDirectory() || (await statOrNull(path))?.isDirectory()) throw keyConflict();
  }
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if (isMissing(error)) return null;
    throw error;
  }
}

const keyConflict = (): SbError =>
  new SbError(ErrorCode.Conflict, 'Object key conflicts with an existing object or prefix');

async function readMetadata(path: string): Promise<ObjectMetadata> {
  let text: string;
  try {
    text = await readFile(`${path}${METADATA_SUFFIX}`, 'utf8');
  } catch (error) {
    if (isMissing(error)) return { contentType: DEFAULT_CONTENT_TYPE };
    throw error;
  }
  const stored = JSON.parse(text) as Partial<Record<keyof ObjectMetadata, unknown>>;
  return {
    contentType: typeof stored.contentType === 'string' ? stored.contentType : DEFAULT_CONTENT_TYPE,
    ...(typeof stored.contentEncoding === 'string' ? { contentEncoding: stored.contentEncoding } : {}),
  };
}

async function writeDurably(path: string, data: string): Promise<void> {
  const file = await open(path, 'wx', FILE_MODE);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Makes the renames in `dir` durable; a no-op where directories cannot be fsynced. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    if (!hasCode(error, 'EINVAL') && !hasCode(error, 'EISDIR') && !hasCode(error, 'EPERM')) throw error;
  } finally {
    await handle.close();
  }
}

const hasCode = (error: unknown, code: string): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;

/** ENOTDIR: a path component is an object file, so nothing lies below it. ELOOP: O_NOFOLLOW met a symlink. */
const isMissing = (error: unknown): boolean => hasCode(error, 'ENOENT') || hasCode(error, 'ENOTDIR') || hasCode(error, 'ELOOP');
