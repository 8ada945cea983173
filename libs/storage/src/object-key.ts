import { ErrorCode, SbError } from '@sb/core';

/** S3's limit; the local driver's paths stay well within PATH_MAX under any sane root. */
export const MAX_OBJECT_KEY_LENGTH = 1024;
/** Leaves room under NAME_MAX (255) for the local driver's temporary and metadata suffixes. */
export const MAX_KEY_SEGMENT_LENGTH = 200;

/**
 * A segment starts with a letter, digit or `_` and goes on with letters, digits and
 * `. _ - =`. So no `.`/`..`, no hidden files, nothing a shell or URL must escape, and
 * never `~`, which the local driver keeps for its own temporary and metadata files.
 */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._=-]*$/;

export type ObjectKeyProblem =
  | 'not a string'
  | 'empty'
  | 'too long'
  | 'absolute path'
  | 'empty segment'
  | 'dot segment'
  | 'segment too long'
  | 'unsafe character'
  | 'outside the root';

/** A key or prefix that is not a safe relative path; thrown before any storage access. */
export class ObjectKeyError extends SbError {
  constructor(readonly problem: ObjectKeyProblem) {
    super(ErrorCode.BadRequest, `Invalid object storage key: ${problem}`, { details: { problem } });
    this.name = 'ObjectKeyError';
  }
}

/** The key's segments, or throws `ObjectKeyError`. */
export function parseObjectKey(key: unknown): string[] {
  if (typeof key !== 'string') throw new ObjectKeyError('not a string');
  if (key === '') throw new ObjectKeyError('empty');
  if (key.length > MAX_OBJECT_KEY_LENGTH) throw new ObjectKeyError('too long');
  if (key.startsWith('/')) throw new ObjectKeyError('absolute path');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') throw new ObjectKeyError('empty segment');
    if (segment === '.' || segment === '..') throw new ObjectKeyError('dot segment');
    if (segment.length > MAX_KEY_SEGMENT_LENGTH) throw new ObjectKeyError('segment too long');
    if (!SEGMENT.test(segment)) throw new ObjectKeyError('unsafe character');
  }
  return segments;
}

/** Validates and returns the key unchanged. */
export function assertObjectKey(key: unknown): string {
  parseObjectKey(key);
  return key as string;
}

/** A prefix for `deletePrefix`: a key, optionally with one trailing `/`; returns its segments. */
export function parseObjectPrefix(prefix: unknown): string[] {
  if (typeof prefix === 'string' && prefix.length > 1 && prefix.endsWith('/')) return parseObjectKey(prefix.slice(0, -1));
  return parseObjectKey(prefix);
}
