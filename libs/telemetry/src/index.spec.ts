/*
 * Apps import `@sb/telemetry` from their instrument entry before anything else;
 * if this module loaded an instrumented library, that library would escape
 * instrumentation. Each is mocked to throw if required.
 */
// @nestjs/common is absent on purpose: @sb/config (read by startTelemetryOrExit)
// loads it, and no instrumentation patches it (Nest's patches @nestjs/core).
const MUST_NOT_LOAD = ['express', '@nestjs/core', '@nestjs/platform-express', 'pg', 'graphql', 'ioredis', 'bullmq', '@prisma/client'];

describe('@sb/telemetry entry point', () => {
  it('loads none of the libraries it instruments', () => {
    jest.isolateModules(() => {
      for (const name of MUST_NOT_LOAD) {
        jest.doMock(name, () => {
          throw new Error(`@sb/telemetry loaded ${name} at import time`);
        });
      }
      const telemetry = jest.requireActual<typeof import('./index')>('./index');
      expect(typeof telemetry.startTelemetry).toBe('function');
      expect(typeof telemetry.createLogger).toBe('function');
    });
  });
});
