import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { Level } from 'pino';
import { isErrorLike } from './error-serializer';
import type { Logger } from './logger';
import { stackFrames } from './stack-frames';

const PINO_LEVEL: Record<NestLogLevel, Level> = {
  verbose: 'trace',
  debug: 'debug',
  log: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'fatal',
};
// Most verbose first: Nest passes the set of enabled levels, pino wants a threshold.
const BY_VERBOSITY: readonly NestLogLevel[] = ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'];

const looksLikeStack = (value: unknown): value is string => typeof value === 'string' && /\n\s+at /.test(value);

/**
 * Routes Nest's own logging (`app.useLogger(new PinoNestLogger(logger))`) into
 * the same redacted JSON stream. Nest's convention: the last string parameter
 * is the context (class name); `error()` may also pass a stack string, of which
 * only the frames are kept because its first line repeats the message.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('log', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('verbose', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  setLogLevels(levels: NestLogLevel[]): void {
    const lowest = BY_VERBOSITY.find((level) => levels.includes(level));
    this.logger.level = lowest ? PINO_LEVEL[lowest] : 'silent';
  }

  private write(level: NestLogLevel, message: unknown, params: unknown[]): void {
    const rest = [...params];
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' && !looksLikeStack(rest[rest.length - 1])
      ? (rest.pop() as string)
      : undefined;
    const stack = level === 'error' || level === 'fatal' ? rest.find(looksLikeStack) : undefined;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    if (stack !== undefined) fields.stack = stackFrames(stack);

    const log = this.logger[PINO_LEVEL[level]].bind(this.logger);
    if (typeof message === 'string') log(fields, message);
    else if (isErrorLike(message)) log({ ...fields, err: message });
    else log({ ...fields, data: message });
  }
}
