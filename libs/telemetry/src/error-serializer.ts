import { types } from 'node:util';
import { isSbError } from '@sb/core';
import { scrubForeignMessage, scrubSecrets } from './secret-scrubber';
import { stackFrames } from './stack-frames';

/** How an error appears in a log line. */
export interface SerializedError {
  type: string;
  code?: string | number;
  message?: string;
  status?: number;
  details?: Record<string, unknown>;
  issues?: unknown[];
  stack?: string[];
  cause?: SerializedError;
}

const MAX_CAUSE_DEPTH = 4;
const SAFE_TYPE_NAME = /^[\w$.:-]{1,128}$/;
const SAFE_CODE = /^[\w.:-]{1,64}$/;

/** Errors from other realms (Node internals under Jest, vm contexts) fail `instanceof Error`. */
export const isErrorLike = (value: unknown): value is Error => value instanceof Error || types.isNativeError(value);

function errorType(err: Error): string {
  const name = err.name || err.constructor?.name;
  return typeof name === 'string' && SAFE_TYPE_NAME.test(name) ? name : 'Error';
}

function errorCode(err: Error): string | number | undefined {
  const code: unknown = (err as { code?: unknown }).code;
  if (typeof code === 'number') return code;
  return typeof code === 'string' && SAFE_CODE.test(code) ? code : undefined;
}

/**
 * The message a log line may show for an error.
 *
 * Our `SbError` messages are static by contract, so they are kept verbatim
 * (secrets still scrubbed as a backstop). Messages of foreign errors — pg,
 * Prisma, V8's JSON.parse, vendor SDKs — routinely quote the input that failed
 * (`invalid input syntax for type date: "1970-01-01"`). Dropping them entirely
 * would leave operators blind to most production failures, so they are kept
 * but passed through scrubForeignMessage: credentials, quoted spans, e-mails,
 * dates and long digit runs are masked. Spans, which leave our infrastructure
 * for a third-party collector, are stricter and keep the exception type only.
 */
export function safeErrorMessage(err: Error): string {
  return isSbError(err) ? scrubSecrets(err.message) : scrubForeignMessage(String(err.message));
}

function serialize(err: Error, depth: number): SerializedError {
  const out: SerializedError = { type: errorType(err) };
  const code = errorCode(err);
  if (code !== undefined) out.code = code;
  out.message = safeErrorMessage(err);
  if (isSbError(err)) {
    out.status = err.status;
    if (err.details) out.details = err.details;
    if (err.issues) out.issues = err.issues;
  }
  const frames = stackFrames(err.stack);
  if (frames.length > 0) out.stack = frames;
  const cause: unknown = err.cause;
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeErrorAt(cause, depth + 1);
  return out;
}

function serializeErrorAt(value: unknown, depth: number): SerializedError {
  if (isErrorLike(value)) return serialize(value, depth);
  // Thrown non-errors: a string is a message like any other; objects are not logged.
  if (typeof value === 'string') return { type: 'string', message: scrubForeignMessage(value) };
  return { type: value === null ? 'null' : typeof value };
}

/**
 * Keeps type, code, stack frames (never the stack's header line, which repeats
 * the message) and a message per the policy in safeErrorMessage; foreign
 * properties (`detail`, `parameters`, `response`, …) are not copied.
 */
export function serializeError(value: unknown): SerializedError {
  return serializeErrorAt(value, 0);
}
