// Renders the lines of `npm start`'s child processes: a fixed-width, colored
// `[app]` prefix, and pino's JSON lines as `HH:MM:SS LEVEL msg key=value …`.

export interface LineFormatOptions {
  /** ANSI colors (only when writing to a terminal). */
  color: boolean;
  /** Width the `[name]` prefix is padded to, brackets included. */
  prefixWidth: number;
  /** Index into the prefix palette, so each process keeps its own color. */
  colorIndex?: number;
  /** Clock used for `HH:MM:SS`; local time unless told otherwise. */
  timeZone?: 'local' | 'utc';
}

const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const PREFIX_COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m', '\x1b[34m', '\x1b[32m', '\x1b[96m'] as const;

const LEVELS: Readonly<Record<number, { label: string; color: string }>> = {
  10: { label: 'TRACE', color: '\x1b[90m' },
  20: { label: 'DEBUG', color: '\x1b[34m' },
  30: { label: 'INFO', color: '\x1b[32m' },
  40: { label: 'WARN', color: '\x1b[33m' },
  50: { label: 'ERROR', color: '\x1b[31m' },
  60: { label: 'FATAL', color: '\x1b[41;97m' },
};
const LEVEL_BY_LABEL = new Map(Object.values(LEVELS).map((l) => [l.label.toLowerCase(), l]));

/** Pino's own bookkeeping fields, shown elsewhere in the line or not at all. */
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'v']);
const MAX_FLATTEN_DEPTH = 3;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

const paint = (on: boolean, code: string, text: string): string => (on ? `${code}${text}${RESET}` : text);

/** `[api]` padded to `width`, colored per process. */
export function formatPrefix(name: string, options: LineFormatOptions): string {
  const text = `[${name}]`.padEnd(options.prefixWidth);
  const code = PREFIX_COLORS[(options.colorIndex ?? 0) % PREFIX_COLORS.length] ?? PREFIX_COLORS[0];
  return paint(options.color, code, text);
}

/** A pino line parsed, or undefined when the line is not one (printed as is). */
export function parsePinoLine(line: string): JsonObject | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!isObject(value)) return undefined;
  const level = value.level;
  if (typeof level !== 'number' && typeof level !== 'string') return undefined;
  if (!('time' in value) && !('msg' in value)) return undefined;
  return value;
}

function levelOf(level: Json): { label: string; color: string } {
  if (typeof level === 'number') return LEVELS[level] ?? { label: `L${level}`, color: '' };
  const label = String(level).toLowerCase();
  return LEVEL_BY_LABEL.get(label) ?? { label: label.toUpperCase().slice(0, 5), color: '' };
}

const two = (n: number): string => String(n).padStart(2, '0');

export function formatTime(time: Json | undefined, timeZone: 'local' | 'utc' = 'local'): string {
  const date = typeof time === 'number' || typeof time === 'string' ? new Date(time) : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) return '--:--:--';
  return timeZone === 'utc'
    ? `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
    : `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}`;
}

/** Bare when unambiguous (`id=abc`), JSON-quoted when it holds spaces, quotes, `=` or is empty. */
function formatValue(value: Json): string {
  if (typeof value === 'string') return value === '' || /[\s"=\\]/.test(value) ? JSON.stringify(value) : value;
  if (value === null || typeof value !== 'object') return String(value);
  return JSON.stringify(value);
}

/** `key=value` pairs; nested objects flattened to dotted keys (`req.method=GET`). */
export function formatFields(record: JsonObject, prefix = '', depth = 0): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (prefix === '' && HIDDEN_KEYS.has(key)) continue;
    if (prefix === '' && key === 'err' && isObject(value)) continue; // rendered below the line
    const name = `${prefix}${key}`;
    if (isObject(value) && depth < MAX_FLATTEN_DEPTH && Object.keys(value).length > 0) {
      out.push(...formatFields(value, `${name}.`, depth + 1));
    } else {
      out.push(`${name}=${formatValue(value)}`);
    }
  }
  return out;
}

/**
 * One child line rendered for the terminal; may span several lines when a pino
 * record carries an error stack (each continuation line keeps the prefix).
 */
export function formatLine(name: string, line: string, options: LineFormatOptions): string {
  const prefix = formatPrefix(name, options);
  const record = parsePinoLine(line);
  if (record === undefined) return `${prefix} ${line}`;

  const level = levelOf(record.level);
  const time = paint(options.color, DIM, formatTime(record.time, options.timeZone));
  const label = paint(options.color && level.color !== '', level.color, level.label.padEnd(5));
  const msg = typeof record.msg === 'string' ? record.msg : record.msg === undefined ? '' : JSON.stringify(record.msg);
  const fields = formatFields(record);
  const err = isObject(record.err) ? record.err : undefined;
  if (err !== undefined && typeof err.type === 'string') fields.push(`err.type=${formatValue(err.type)}`);
  if (err !== undefined && typeof err.message === 'string' && err.message !== msg) {
    fields.push(`err.message=${formatValue(err.message)}`);
  }
  const rest = fields.length > 0 ? ` ${paint(options.color, DIM, fields.join(' '))}` : '';
  const head = `${prefix} ${time} ${label} ${msg}${rest}`.trimEnd();

  const stack = err !== undefined && typeof err.stack === 'string' ? err.stack.split('\n').slice(1) : [];
  return [head, ...stack.map((l) => `${prefix}     ${l.trim()}`)].join('\n');
}

/** A formatter bound to one process, for the runner's line handlers. */
export function lineFormatter(name: string, options: LineFormatOptions): (line: string) => string {
  return (line) => formatLine(name, line, options);
}
