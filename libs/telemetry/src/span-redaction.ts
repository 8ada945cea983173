import type { Attributes, AttributeValue, Link, SpanStatus } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { scrubSecrets } from './secret-scrubber';
import { isExportableAttributeKey, STATEMENT_ATTRIBUTE_KEYS, URL_ATTRIBUTE_KEYS } from './span-attribute-policy';
import { redisCommandOnly, scrubSqlLiterals } from './sql-sanitizer';
import { stackFrames } from './stack-frames';
import { looksLikeUrl, stripQuery } from './url-sanitizer';

const EXCEPTION_EVENT = 'exception';
const SAFE_TYPE_NAME = /^[\w$.:-]{1,128}$/;

/** An exception's type (class name or code) is safe to keep; anything else is not a type. */
const safeExceptionType = (value: AttributeValue | undefined): string =>
  typeof value === 'string' && SAFE_TYPE_NAME.test(value) ? value : 'Error';

type ValueKind = 'redis' | 'sql' | 'url' | 'text';

const kindOf = (key: string, value: string, dbSystem: string | undefined): ValueKind =>
  STATEMENT_ATTRIBUTE_KEYS.has(key) ? (dbSystem === 'redis' ? 'redis' : 'sql') : URL_ATTRIBUTE_KEYS.has(key) || looksLikeUrl(value) ? 'url' : 'text';

function scrubByKind(kind: ValueKind, value: string): string {
  if (kind === 'redis') return scrubSecrets(redisCommandOnly(value));
  if (kind === 'sql') return scrubSecrets(scrubSqlLiterals(value));
  if (kind === 'url') return scrubSecrets(stripQuery(value));
  return scrubSecrets(value);
}

/*
 * Most attribute values repeat from span to span (statements, routes, methods, hosts, vendors), and
 * scrubbing was about half of what recording a span cost. Results are kept per kind and value, for
 * values up to MEMO_MAX_CHARS, and the memo is emptied whenever it reaches MEMO_ENTRIES. The trade-off: up to that
 * many unredacted inputs (what this process's spans held moments before) stay in its heap until the next emptying;
 * nothing of them leaves the process.
 */
const MEMO_ENTRIES = 1024;
const MEMO_MAX_CHARS = 512;
const scrubbed = new Map<string, string>();

/** `value` redacted as its attribute `key` requires; the same input always gives the same output. */
function scrubString(key: string, value: string, dbSystem: string | undefined): string {
  const kind = kindOf(key, value, dbSystem);
  if (value.length > MEMO_MAX_CHARS) return scrubByKind(kind, value);
  const memoKey = `${kind}:${value}`;
  const known = scrubbed.get(memoKey);
  if (known !== undefined) return known;
  const out = scrubByKind(kind, value);
  if (scrubbed.size >= MEMO_ENTRIES) scrubbed.clear();
  scrubbed.set(memoKey, out);
  return out;
}

function scrubValue(key: string, value: AttributeValue, dbSystem: string | undefined): AttributeValue {
  if (typeof value === 'string') return scrubString(key, value, dbSystem);
  if (Array.isArray(value)) {
    // Homogeneous arrays per the OTel spec; only string members can carry text.
    return value.map((v) => (typeof v === 'string' ? scrubString(key, v, dbSystem) : v)) as AttributeValue;
  }
  return value;
}

/**
 * Filters one attribute map by the export policy (see span-attribute-policy.ts)
 * and scrubs the values that remain. Pure: returns a new object.
 */
export function redactSpanAttributes(attributes: Attributes | undefined): Attributes {
  const out: Attributes = {};
  if (!attributes) return out;
  const system = attributes['db.system'] ?? attributes['db.system.name'];
  const dbSystem = typeof system === 'string' ? system.toLowerCase() : undefined;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (key === 'exception.stacktrace') continue; // only meaningful on exception events
    if (!isExportableAttributeKey(key)) continue;
    out[key] = scrubValue(key, value, dbSystem);
  }
  return out;
}

/**
 * An exception event keeps its type and stack frames; the message (and the
 * stack's header line, which repeats it) may quote user input and is dropped.
 */
function redactExceptionAttributes(attributes: Attributes | undefined): Attributes {
  const out: Attributes = { 'exception.type': safeExceptionType(attributes?.['exception.type']) };
  const frames = stackFrames(attributes?.['exception.stacktrace']);
  if (frames.length > 0) out['exception.stacktrace'] = frames.join('\n');
  const escaped = attributes?.['exception.escaped'];
  if (typeof escaped === 'boolean') out['exception.escaped'] = escaped;
  return out;
}

function redactEvent(event: TimedEvent): TimedEvent {
  const isException = event.name === EXCEPTION_EVENT;
  return {
    time: event.time,
    name: stripQuery(event.name),
    attributes: isException ? redactExceptionAttributes(event.attributes) : redactSpanAttributes(event.attributes),
    droppedAttributesCount: event.droppedAttributesCount,
  };
}

/**
 * Error statuses are usually set from `err.message`; the message is replaced by
 * the type of the span's first recorded exception, or removed.
 */
function redactStatus(status: SpanStatus, events: readonly TimedEvent[]): SpanStatus {
  if (status.message === undefined) return status;
  const exception = events.find((e) => e.name === EXCEPTION_EVENT);
  const type = exception ? safeExceptionType(exception.attributes?.['exception.type']) : undefined;
  return type === undefined ? { code: status.code } : { code: status.code, message: type };
}

/** A copy of a finished span that is safe to export. The original is left intact. */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  const spanContext = span.spanContext();
  const links: Link[] = span.links.map((link) => ({ ...link, attributes: redactSpanAttributes(link.attributes) }));
  return {
    name: stripQuery(span.name),
    kind: span.kind,
    spanContext: () => spanContext,
    parentSpanContext: span.parentSpanContext,
    startTime: span.startTime,
    endTime: span.endTime,
    status: redactStatus(span.status, span.events),
    attributes: redactSpanAttributes(span.attributes),
    links,
    events: span.events.map(redactEvent),
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
