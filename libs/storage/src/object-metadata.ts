import { ErrorCode, SbError } from '@sb/core';
import { DEFAULT_CONTENT_TYPE, type PutObjectOptions } from './object-storage';

/** What both drivers store beside an object's bytes. */
export interface ObjectMetadata {
  contentType: string;
  contentEncoding?: string;
}

/** Printable ASCII, bounded: S3 carries these as HTTP headers. */
const HEADER_VALUE = /^[\x20-\x7e]{1,256}$/;

/** The metadata to store for `put` options; throws `bad_request` for a value no HTTP header could carry. */
export function objectMetadata(options: PutObjectOptions = {}): ObjectMetadata {
  const { contentType = DEFAULT_CONTENT_TYPE, contentEncoding } = options;
  for (const [field, value] of [['contentType', contentType], ['contentEncoding', contentEncoding]] as const) {
    if (value !== undefined && !HEADER_VALUE.test(value)) {
      throw new SbError(ErrorCode.BadRequest, 'Invalid object metadata', { details: { field } });
    }
  }
  return contentEncoding === undefined ? { contentType } : { contentType, contentEncoding };
}
