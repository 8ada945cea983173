import { formatLine, formatPrefix, formatTime, parsePinoLine, type LineFormatOptions } from './log-format';

const plain: LineFormatOptions = { color: false, prefixWidth: 9, timeZone: 'utc' };
const TIME = Date.UTC(2026, 10, 23, 9, 5, 7, 123);

const pino = (fields: Record<string, unknown>): string =>
  JSON.stringify({ level: 30, time: TIME, pid: 42, hostname: 'box', msg: 'hello', ...fields });

describe('formatPrefix', () => {
  it('pads every name to the same width', () => {
    expect(formatPrefix('api', plain)).toBe('[api]    ');
    expect(formatPrefix('sandbox', plain)).toBe('[sandbox]');
  });

  it('colors only when asked, and per process', () => {
    const a = formatPrefix('api', { ...plain, color: true, colorIndex: 0 });
    const b = formatPrefix('worker', { ...plain, color: true, colorIndex: 1 });
    expect(a.startsWith('\x1b[')).toBe(true);
    expect(a.endsWith('[api]    \x1b[0m')).toBe(true);
    expect(a.slice(0, 5)).not.toBe(b.slice(0, 5));
    expect(formatPrefix('api', plain)).not.toContain('\x1b');
  });
});

describe('formatLine', () => {
  it('renders a pino line as HH:MM:SS LEVEL msg key=value, hiding pino bookkeeping', () => {
    expect(formatLine('api', pino({ requestId: 'r-1', status: 200 }), plain)).toBe(
      '[api]     09:05:07 INFO  hello requestId=r-1 status=200',
    );
  });

  it('maps every pino level', () => {
    const labels = [10, 20, 30, 40, 50, 60].map((level) => / \d\d:\d\d:\d\d (\w+) /.exec(formatLine('w', pino({ level }), plain))?.[1]);
    expect(labels).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL']);
    expect(formatLine('w', pino({ level: 'warn' }), plain)).toContain(' WARN  hello');
  });

  it('quotes values that would be ambiguous and flattens nested objects', () => {
    const line = formatLine('api', pino({ note: 'two words', empty: '', req: { method: 'GET', url: '/fhir/R4' }, ids: [1, 2] }), plain);
    expect(line).toBe('[api]     09:05:07 INFO  hello note="two words" empty="" req.method=GET req.url=/fhir/R4 ids=[1,2]');
  });

  it('puts an error stack on prefixed continuation lines', () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at a (x.js:1:1)\n    at b (y.js:2:2)' };
    const out = formatLine('worker', pino({ level: 50, msg: 'job failed', err }), plain).split('\n');
    expect(out).toEqual([
      '[worker]  09:05:07 ERROR job failed err.type=Error err.message=boom',
      '[worker]      at a (x.js:1:1)',
      '[worker]      at b (y.js:2:2)',
    ]);
  });

  it('prints non-JSON and non-pino lines as they are', () => {
    expect(formatLine('mllp', 'listening on 2575', plain)).toBe('[mllp]    listening on 2575');
    expect(formatLine('mllp', '{"not":"pino"}', plain)).toBe('[mllp]    {"not":"pino"}');
    expect(formatLine('mllp', '{broken json', plain)).toBe('[mllp]    {broken json');
    expect(formatLine('mllp', '', plain)).toBe('[mllp]    ');
  });

  it('adds no escape codes without color, and colors the level with it', () => {
    expect(formatLine('api', pino({ level: 50 }), plain)).not.toContain('\x1b');
    expect(formatLine('api', pino({ level: 50 }), { ...plain, color: true })).toContain('\x1b[31mERROR');
  });
});

describe('parsePinoLine / formatTime', () => {
  it('recognises pino records only', () => {
    expect(parsePinoLine(pino({}))?.msg).toBe('hello');
    expect(parsePinoLine('[1,2]')).toBeUndefined();
    expect(parsePinoLine('{"level":30}')).toBeUndefined();
  });

  it('accepts epoch milliseconds and ISO strings, and survives garbage', () => {
    expect(formatTime(TIME, 'utc')).toBe('09:05:07');
    expect(formatTime(new Date(TIME).toISOString(), 'utc')).toBe('09:05:07');
    expect(formatTime('not a time', 'utc')).toBe('--:--:--');
    expect(formatTime(undefined)).toBe('--:--:--');
  });
});
