import { ErrorCode, SbError, statusForCode, type ErrorCode as Code, type FieldIssue } from '@sb/core';
import { randomUUID } from 'node:crypto';

/** RFC 9457 (formerly 7807) problem details, with Switchboard's stable `code`. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  code: Code;
  detail?: string;
  instance?: string;
  issues?: FieldIssue[];
  errorId?: string;
  [extension: string]: unknown;
}

const TYPE_BASE = 'https://switchboard.dev/problems/';

/** Errors raised by body parsing (express/body-parser) carry a `type` like this. */
interface BodyParserError {
  type?: string;
  status?: number;
}

/**
 * Codes of a database (or Redis) that cannot be reached or went away: Prisma's P1001 unreachable,
 * P1002/P1008 timed out, P1017 connection closed, P1018 transaction closed with its connection,
 * P2024 pool timeout, P2028 a transaction that could not start or finish, P2037 too many
 * connections; Postgres's 57P01–57P03 (shutting down, crash recovery, starting) and class 08
 * (connection exceptions); the socket's own refusals.
 */
const UNAVAILABLE_CODES: ReadonlySet<string> = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P1018', 'P2024', 'P2028', 'P2037', '57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET']);
const CONNECTION_EXCEPTION_CLASS = /^08[0-9A-Z]{3}$/;
/** What a Prisma driver adapter calls a lost or unreachable database. */
const UNAVAILABLE_ADAPTER_KINDS: ReadonlySet<string> = new Set(['DatabaseNotReachable', 'SocketTimeout', 'ConnectionClosed', 'TransactionAlreadyClosed', 'TooManyConnections']);
/** node-postgres's own errors for a connection that died or never came (they carry no code). */
const PG_CONNECTION_LOST = /^(Connection terminated|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)/;
/** Seconds a client is told to wait when the database is out. */
const UNAVAILABLE_RETRY_SECONDS = 5;

const unavailableCode = (code: unknown): boolean => typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || CONNECTION_EXCEPTION_CLASS.test(code));

interface StoreError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: { cause?: AdapterCause } };
}
interface AdapterCause {
  kind?: unknown;
  originalCode?: unknown;
}

/**
 * Whether the error says the database is out. Prisma reports a Postgres error it has no code of
 * its own for (a query refused during crash recovery: `57P03`) as P2039 or P2010 with the
 * driver adapter's error in `meta`; a driver adapter error can also arrive as itself (its
 * `cause` says what happened), and node-postgres's connection errors as plain errors.
 */
function storeUnavailable(error: unknown): boolean {
  const e = error as StoreError | null;
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'PrismaClientInitializationError' || unavailableCode(e.code)) return true;
  const adapter = e.meta?.driverAdapterError?.cause ?? (e.name === 'DriverAdapterError' ? (e.cause as AdapterCause | undefined) : undefined);
  if (adapter && (unavailableCode(adapter.originalCode) || (typeof adapter.kind === 'string' && UNAVAILABLE_ADAPTER_KINDS.has(adapter.kind)))) return true;
  return e.code === undefined && typeof e.message === 'string' && PG_CONNECTION_LOST.test(e.message);
}

/** Classifies any thrown value as an SbError; unknown errors become internal errors with an id. */
export function toSbError(error: unknown): { error: SbError; errorId?: string } {
  if (error instanceof SbError) return { error };
  // Nest wraps what a body parser's `verify` threw in an HttpException, keeping it as the cause.
  if ((error as { cause?: unknown })?.cause instanceof SbError && (error as { getStatus?: unknown }).getStatus) return { error: (error as { cause: SbError }).cause };
  // Nest wraps body-parser errors in an HttpException whose cause keeps the parser's `type`.
  const parser = ((error as BodyParserError)?.type ? error : (error as { cause?: unknown })?.cause) as BodyParserError | undefined;
  if (parser?.type === 'entity.parse.failed') return { error: new SbError(ErrorCode.MalformedJson, 'Request body is not valid JSON') };
  if (parser?.type === 'entity.too.large') return { error: new SbError(ErrorCode.PayloadTooLarge, 'Request body is too large') };
  if (parser?.type === 'encoding.unsupported' || parser?.type === 'charset.unsupported')
    return { error: new SbError(ErrorCode.BadRequest, 'Unsupported request body encoding') };
  const httpStatus = (error as { getStatus?: () => number })?.getStatus?.();
  if (httpStatus === 401) return { error: new SbError(ErrorCode.Unauthenticated, 'Missing or invalid credentials') };
  if (httpStatus === 404) return { error: new SbError(ErrorCode.NotFound, 'No such route') };
  if (httpStatus === 405) return { error: new SbError(ErrorCode.BadRequest, 'Method not allowed') };
  if (httpStatus === 413) return { error: new SbError(ErrorCode.PayloadTooLarge, 'Request body is too large') };
  if (httpStatus !== undefined && httpStatus >= 400 && httpStatus < 500) return { error: new SbError(ErrorCode.BadRequest, 'Bad request') };
  const errorId = randomUUID();
  if (storeUnavailable(error)) {
    const details = { retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS };
    return { error: new SbError(ErrorCode.DependencyUnavailable, 'Service temporarily unavailable; retry shortly', { cause: error, details }), errorId };
  }
  return { error: new SbError(ErrorCode.Internal, 'Internal error', { cause: error }), errorId };
}

export function toProblem(error: SbError, errorId?: string): ProblemDetails {
  return {
    type: `${TYPE_BASE}${error.code}`,
    title: error.message,
    status: statusForCode(error.code),
    code: error.code,
    ...(error.issues ? { issues: error.issues } : {}),
    ...(error.details ?? {}),
    ...(errorId ? { errorId } : {}),
  };
}
