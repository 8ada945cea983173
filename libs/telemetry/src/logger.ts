import { hostname } from 'node:os';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { currentRequestContext } from '@sb/core';
import pino, { type DestinationStream, type LevelWithSilent, type LogFn, type Logger as PinoLogger } from 'pino';
import { isErrorLike, safeErrorMessage, serializeError } from './error-serializer';
import { redactLogObject, redactLogValue } from './log-redaction';
import { scrubSecrets } from './secret-scrubber';

export type Logger = PinoLogger;
export type LogLevel = LevelWithSilent;

export interface CreateLoggerOptions {
  serviceName: string;
  level: LogLevel;
  /** Where JSON lines go; stdout when omitted. */
  destination?: DestinationStream;
}

/** Request and trace ids for the line being written, so logs join up with traces. */
function correlationFields(): Record<string, string> {
  const fields: Record<string, string> = {};
  const request = currentRequestContext();
  if (request) {
    fields.requestId = request.requestId;
    if (request.tenantId) fields.tenantId = request.tenantId;
  }
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext && isSpanContextValid(spanContext)) {
    fields.trace_id = spanContext.traceId;
    fields.span_id = spanContext.spanId;
  }
  return fields;
}

const messageFor = (value: unknown): string | undefined => (isErrorLike(value) ? safeErrorMessage(value) : undefined);

/*
 * Redaction runs on the arguments of each log call rather than in
 * `formatters.log`, for two reasons: pino would otherwise take an error's raw
 * `message` as the line's `msg`, and the correlation fields added by `mixin`
 * (request ids chosen by callers) must not be mangled by the secret scrubber.
 */
export function prepareLogArguments(args: readonly unknown[]): unknown[] {
  const [first, ...rest] = args;
  const restRedacted = (from: number): unknown[] => rest.slice(from).map(redactLogValue);
  if (typeof first === 'string') return [scrubSecrets(first), ...restRedacted(0)];
  if (first === null || typeof first !== 'object') return args.map(redactLogValue);

  const explicitMessage = typeof rest[0] === 'string' ? scrubSecrets(rest[0]) : undefined;
  if (isErrorLike(first)) {
    return [{ err: redactLogValue(first) }, explicitMessage ?? safeErrorMessage(first), ...restRedacted(explicitMessage ? 1 : 0)];
  }
  const fields = redactLogObject(first as Record<string, unknown>);
  if (explicitMessage !== undefined) return [fields, explicitMessage, ...restRedacted(1)];
  if (rest.length === 0) {
    const { err, error } = first as { err?: unknown; error?: unknown };
    const message = messageFor(err) ?? messageFor(error);
    return message === undefined ? [fields] : [fields, message];
  }
  return [fields, ...restRedacted(0)];
}

/**
 * A pino logger writing one JSON object per line, with request/trace
 * correlation, credential redaction at any depth, and errors serialized per
 * the policy in error-serializer.ts.
 */
export function createLogger(options: CreateLoggerOptions): Logger {
  const config: pino.LoggerOptions = {
    level: options.level,
    base: { service: options.serviceName, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: correlationFields,
    // pino's default `err` serializer would re-serialize our already-safe output
    // (it treats any object with a `message` as an error) and join cause messages.
    serializers: { err: (value: unknown) => (isErrorLike(value) ? serializeError(value) : value) },
    formatters: {
      level: (label) => ({ level: label }),
      bindings: (bindings) => redactLogObject(bindings),
    },
    hooks: {
      logMethod(args, method: LogFn) {
        (method as (...a: unknown[]) => void).apply(this, prepareLogArguments(args));
      },
    },
  };
  const logger = options.destination ? pino(config, options.destination) : pino(config);
  return withRedactedChildBindings(logger);
}

type ChildFn = (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;

/*
 * Child bindings bypass logMethod, and pino applies `formatters.bindings` to the
 * root's base only (children reset it). Children are created with
 * `Object.create(parent)`, so overriding `child` on the root covers every
 * descendant.
 */
function withRedactedChildBindings(logger: Logger): Logger {
  // pino's generic `child` signature cannot be re-implemented without erasing its type parameter.
  const originalChild = logger.child as unknown as ChildFn;
  function redactingChild(this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions): Logger {
    return originalChild.call(this, redactLogObject(bindings), childOptions);
  }
  logger.child = redactingChild as unknown as Logger['child'];
  return logger;
}
