import { ErrorCode, runWithRequestContext, SbError } from '@sb/core';
import { createLogger } from './logger';
import { captureLogLines } from './test-log-capture';

const setup = () => {
  const capture = captureLogLines();
  const logger = createLogger({ serviceName: 'test-svc', level: 'trace', destination: capture.destination });
  return { logger, ...capture };
};

describe('createLogger', () => {
  it('writes one JSON line with level label, service and message', () => {
    const { logger, lines } = setup();
    logger.info({ connectionId: 'c1' }, 'connection tested');
    const [line] = lines();
    expect(line).toMatchObject({ level: 'info', service: 'test-svc', connectionId: 'c1', msg: 'connection tested' });
    expect(typeof line?.time).toBe('string');
  });

  it('redacts credential fields at any depth and in any case', () => {
    const { logger, raw, lines } = setup();
    logger.info(
      {
        authorization: 'Bearer top-level-value',
        password: 'hunter2-value',
        request: { headers: { Authorization: 'Basic aGVhZGVyLXZhbHVl', cookie: 'sid=cookie-value', 'x-api-key': 'xkey-value' } },
        a: { b: { c: { d: { e: { token: 'deep-token-value', apiKey: 'api-key-value', clientSecret: 'client-secret-value' } } } } },
        items: [{ refresh_token: 'array-token-value' }],
        secret: 'plain-secret-value',
        key: 'bare-key-value',
      },
      'with secrets',
    );
    for (const value of [
      'top-level-value',
      'hunter2-value',
      'aGVhZGVyLXZhbHVl',
      'cookie-value',
      'xkey-value',
      'deep-token-value',
      'api-key-value',
      'client-secret-value',
      'array-token-value',
      'plain-secret-value',
      'bare-key-value',
    ]) {
      expect(raw()).not.toContain(value);
    }
    expect(lines()[0]).toMatchObject({ password: '[redacted]', a: { b: { c: { d: { e: { token: '[redacted]' } } } } } });
  });

  it('masks credentials in messages and interpolated arguments', () => {
    const { logger, raw } = setup();
    logger.warn('calling vendor with Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl and %s', 'sbk_k7Qf2aXp_Q2hhbmdlTWVQbGVhc2Ux');
    expect(raw()).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(raw()).not.toContain('sbk_k7Qf2aXp_Q2hhbmdlTWVQbGVhc2Ux');
    expect(raw()).toContain('Bearer [redacted]');
  });

  it('redacts child-logger bindings', () => {
    const { logger, raw } = setup();
    logger.child({ connection: { clientSecret: 'binding-secret-value' } }).info('child line');
    expect(raw()).not.toContain('binding-secret-value');
  });

  it('keeps the bindings of every ancestor in a grandchild', () => {
    const { logger, lines } = setup();
    logger.child({ component: 'worker' }).child({ queue: 'webhooks', token: 'grandchild-token' }).info('x');
    expect(lines()[0]).toMatchObject({ component: 'worker', queue: 'webhooks', token: '[redacted]' });
  });

  it('adds requestId and tenantId from the request context', () => {
    const { logger, lines } = setup();
    runWithRequestContext({ requestId: 'req-123', tenantId: 'tenant-9' }, () => logger.info('inside'));
    logger.info('outside');
    const [inside, outside] = lines();
    expect(inside).toMatchObject({ requestId: 'req-123', tenantId: 'tenant-9' });
    expect(outside?.requestId).toBeUndefined();
  });

  it('keeps a long caller-chosen request id intact', () => {
    const { logger, lines } = setup();
    const requestId = 'Ab3'.repeat(21);
    runWithRequestContext({ requestId }, () => logger.info('inside'));
    expect(lines()[0]?.requestId).toBe(requestId);
  });

  it('logs an SbError with its message, code and frames', () => {
    const { logger, lines } = setup();
    logger.error({ err: new SbError(ErrorCode.NotFound, 'Connection not found') });
    const [line] = lines();
    expect(line?.msg).toBe('Connection not found');
    expect(line?.err).toMatchObject({ type: 'SbError', code: 'not_found', message: 'Connection not found', status: 404 });
    expect((line?.err as { stack: string[] }).stack[0]).toMatch(/^at /);
  });

  it('masks user input in foreign error messages, in msg, in the serialized error and in its cause', () => {
    const { logger, raw, lines } = setup();
    const pgError = Object.assign(new Error('invalid input syntax for type date: "1970-01-31" for Smith@example.org'), {
      code: '22007',
      detail: 'Key (family)=(Smith) already exists.',
    });
    logger.error(new SbError(ErrorCode.Internal, 'Query failed', { cause: pgError }));
    logger.error(pgError);
    expect(raw()).not.toContain('1970-01-31');
    expect(raw()).not.toContain('Smith');
    const [wrapped, direct] = lines();
    expect(wrapped?.err).toMatchObject({
      type: 'SbError',
      message: 'Query failed',
      cause: { type: 'Error', code: '22007', message: 'invalid input syntax for type date: "…" for [email]' },
    });
    expect(direct?.msg).toBe('invalid input syntax for type date: "…" for [email]');
  });

  it('never writes the header line of a stack, which repeats the message', () => {
    const { logger, raw } = setup();
    logger.error({ err: new TypeError("Cannot read properties of undefined (reading 'Smith')") }, 'failed');
    expect(raw()).not.toContain('Smith');
    expect(raw()).toContain('"type":"TypeError"');
  });
});
