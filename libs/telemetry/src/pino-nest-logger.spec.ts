import { createLogger } from './logger';
import { PinoNestLogger } from './pino-nest-logger';
import { captureLogLines } from './test-log-capture';

describe('PinoNestLogger', () => {
  const setup = () => {
    const capture = captureLogLines();
    const pino = createLogger({ serviceName: 'nest', level: 'trace', destination: capture.destination });
    return { nest: new PinoNestLogger(pino), pino, ...capture };
  };

  it("maps Nest's message and context onto pino levels", () => {
    const { nest, lines } = setup();
    nest.log('Mapped {/fhir/Patient/:id, GET} route', 'RouterExplorer');
    nest.warn('slow', 'Vendor');
    nest.verbose('details');
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', context: 'RouterExplorer', msg: 'Mapped {/fhir/Patient/:id, GET} route' }),
      expect.objectContaining({ level: 'warn', context: 'Vendor', msg: 'slow' }),
      expect.objectContaining({ level: 'trace', msg: 'details' }),
    ]);
  });

  it('keeps only the frames of a stack passed to error()', () => {
    const { nest, lines, raw } = setup();
    const err = new Error('bad "Smith"');
    nest.error('Error during shutdown', err.stack, 'NestApplication');
    expect(raw()).not.toContain('Smith');
    expect(lines()[0]).toMatchObject({ level: 'error', context: 'NestApplication', msg: 'Error during shutdown' });
    expect((lines()[0]?.stack as string[])[0]).toMatch(/^at /);
  });

  it('serializes errors passed directly, as the exception handler does', () => {
    const { nest, lines, raw } = setup();
    nest.error(new RangeError('value "Smith" out of range'), 'ExceptionsHandler');
    expect(raw()).not.toContain('Smith');
    expect(lines()[0]).toMatchObject({ context: 'ExceptionsHandler', err: { type: 'RangeError' } });
  });

  it('translates Nest log levels to a pino threshold', () => {
    const { nest, pino } = setup();
    nest.setLogLevels(['warn', 'error']);
    expect(pino.level).toBe('warn');
    nest.setLogLevels([]);
    expect(pino.level).toBe('silent');
  });
});
