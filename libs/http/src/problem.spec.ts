import { ErrorCode, SbError } from '@sb/core';
import { toProblem, toSbError } from './problem';

describe('toSbError', () => {
  it('maps a JSON parse failure to malformed_json 400', () => {
    const { error } = toSbError(Object.assign(new SyntaxError('Unexpected token } in JSON at position 12'), { type: 'entity.parse.failed', status: 400 }));
    expect(error.code).toBe(ErrorCode.MalformedJson);
    expect(error.status).toBe(400);
    expect(error.message).not.toContain('position');
  });

  it('turns an unknown error into a 500 with an error id and no leaked message', () => {
    const { error, errorId } = toSbError(new Error('connect ECONNREFUSED patient Jane Doe'));
    const problem = toProblem(error, errorId);
    expect(problem.status).toBe(500);
    expect(problem.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(problem)).not.toContain('Jane');
  });

  it('answers a database that cannot be reached or went away with 503 and Retry-After, never its message', () => {
    const unreachable = Object.assign(new Error("Can't reach database server at 127.0.0.1:5432 for patient Jane"), { name: 'PrismaClientKnownRequestError', code: 'P1001' });
    const shuttingDown = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    const init = Object.assign(new Error('db down'), { name: 'PrismaClientInitializationError' });
    // What Prisma 7 threw in the fault suite while Postgres was in crash recovery: a Postgres error without a Prisma code of its own.
    const recovering = Object.assign(new Error('Database error. Code: `57P03`. Message: `the database system is not yet accepting connections`'), {
      name: 'PrismaClientKnownRequestError',
      code: 'P2039',
      meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '57P03', originalMessage: 'the database system is not yet accepting connections' } } },
    });
    const connectionFailure = Object.assign(new Error('Raw query failed'), { name: 'PrismaClientKnownRequestError', code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '08006' } } } });
    const adapterError = Object.assign(new Error('DatabaseNotReachable'), { name: 'DriverAdapterError', cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 } });
    const closedTransaction = Object.assign(new Error('Transaction already closed'), { name: 'PrismaClientKnownRequestError', code: 'P1018' });
    const pgTerminated = new Error('Connection terminated unexpectedly');
    for (const cause of [unreachable, shuttingDown, init, recovering, connectionFailure, adapterError, closedTransaction, pgTerminated]) {
      const { error, errorId } = toSbError(cause);
      const problem = toProblem(error, errorId);
      expect(problem).toMatchObject({ status: 503, code: 'dependency_unavailable', retryAfterSeconds: 5 });
      expect(JSON.stringify(problem)).not.toMatch(/Jane|127\.0\.0\.1|administrator/);
    }
    // A constraint violation is still the caller's or the code's problem, not an outage.
    expect(toSbError(Object.assign(new Error('unique'), { name: 'PrismaClientKnownRequestError', code: 'P2002' })).error.code).toBe(ErrorCode.Internal);
    const badQuery = { name: 'PrismaClientKnownRequestError', code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '42P01' } } } };
    expect(toSbError(Object.assign(new Error('relation does not exist'), badQuery)).error.code).toBe(ErrorCode.Internal);
    expect(toSbError(Object.assign(new Error('x'), { name: 'DriverAdapterError', cause: { kind: 'UniqueConstraintViolation' } })).error.code).toBe(ErrorCode.Internal);
    expect(toSbError(new Error('Connection to the vendor terminated')).error.code).toBe(ErrorCode.Internal);
  });

  it('keeps SbError codes, issues and details', () => {
    const e = new SbError(ErrorCode.ValidationFailed, 'Request validation failed', { issues: [{ path: 'slug', message: 'too short' }] });
    expect(toProblem(e)).toMatchObject({ status: 400, code: 'validation_failed', issues: [{ path: 'slug' }] });
  });
});

describe('toSbError with Nest-wrapped parser errors', () => {
  it('finds the body-parser type on the cause', () => {
    const parserError = Object.assign(new SyntaxError('Unexpected end of JSON input'), { type: 'entity.parse.failed', status: 400 });
    const wrapped = Object.assign(new Error('Bad Request'), { cause: parserError, getStatus: () => 400 });
    expect(toSbError(wrapped).error.code).toBe(ErrorCode.MalformedJson);
  });
});
