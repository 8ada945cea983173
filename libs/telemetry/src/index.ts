// Nothing exported here may load express, Nest, pg, ioredis or graphql at import
// time: apps import this module before those, from their `instrument` entry.
export { startTelemetry, type StartTelemetryOptions, type TelemetryHandle } from './start-telemetry';
export { RedactingSpanExporter } from './redacting-span-exporter';
export { redactSpan, redactSpanAttributes } from './span-redaction';
export { isExportableAttributeKey } from './span-attribute-policy';
export {
  SAFE_SPAN_ATTRIBUTE,
  safeSpanAttributes,
  setSafeSpanAttributes,
  type SafeSpanAttributeKey,
  type SafeSpanAttributeName,
  type SafeSpanAttributeValues,
} from './safe-span-attributes';
export { createLogger, type CreateLoggerOptions, type Logger, type LogLevel } from './logger';
export { serializeError, safeErrorMessage, type SerializedError } from './error-serializer';
export { redactLogValue, isSecretKey } from './log-redaction';
export { REDACTED, scrubSecrets, scrubForeignMessage } from './secret-scrubber';
export { stripQuery } from './url-sanitizer';
export { PinoNestLogger } from './pino-nest-logger';
export { requestTelemetry } from './request-telemetry.middleware';
export { requestScheme } from './request-scheme';
export { acceptOrCreateRequestId, REQUEST_ID_HEADER } from './request-id';
export { startTelemetryOrExit } from './start-or-exit';
