import type { CompiledOverride, FieldPath } from '../dialect/compiled-dialect';
import { decodeEscapes, encodeEscapes, parseHeader, segments } from '../hl7-message';
import type { Hl7Delimiters, Hl7ParseError, ParsedHeader } from '../hl7-message';

/** HL7's explicit null (`""`): "delete the value". The converter treats it as absent. */
const HL7_NULL = '""';

/**
 * A composite value (one field repetition, or one component split into subcomponents)
 * read lazily: the text is split once, on first access, and leaves are escape-decoded
 * and trimmed on read (HL7 v2.5.1 chapter 2, "Data types").
 */
export class V2Composite {
  private pieces: string[] | undefined;

  constructor(
    /** Escaped text as received. */
    readonly raw: string,
    private readonly separator: string,
    /** The separator inside a piece (subcomponents of a component); undefined at subcomponent level. */
    private readonly innerSeparator: string | undefined,
    private readonly delimiters: Hl7Delimiters,
  ) {}

  get isEmpty(): boolean {
    return this.raw === '' || this.raw === HL7_NULL || this.pieceList().every((p) => p === '' || p === HL7_NULL);
  }

  /** Escaped text of piece i (1-based). */
  rawPiece(i: number): string {
    return this.pieceList()[i - 1] ?? '';
  }

  /** Decoded, trimmed piece i (1-based); at component level its first subcomponent. */
  c(i: number): string {
    let piece = this.rawPiece(i);
    if (this.innerSeparator !== undefined) {
      const end = piece.indexOf(this.innerSeparator);
      if (end !== -1) piece = piece.slice(0, end);
    }
    return leaf(piece, this.delimiters);
  }

  /** Piece i as a composite of its subcomponents (for composite components such as CX.4 HD). */
  sub(i: number): V2Composite {
    return new V2Composite(this.rawPiece(i), this.innerSeparator ?? '\u0000', undefined, this.delimiters);
  }

  private pieceList(): string[] {
    this.pieces ??= this.raw.split(this.separator);
    return this.pieces;
  }
}

/** Decodes and trims one leaf value; HL7's `""` null becomes empty. */
export function leaf(raw: string, delimiters: Hl7Delimiters): string {
  if (raw === '' || raw === HL7_NULL) return '';
  return decodeEscapes(raw, delimiters).trim();
}

/** One segment; `fields[n]` is field n, still escaped (for MSH, `fields[1]` is the field separator). */
export class V2Segment {
  constructor(
    readonly id: string,
    /** 1-based occurrence of this segment id in the message (ERR-2.2 "segment sequence"). */
    readonly sequence: number,
    /** 0-based position in the message, for grouping. */
    readonly position: number,
    readonly fields: string[],
    private readonly delimiters: Hl7Delimiters,
  ) {}

  raw(field: number): string {
    return this.fields[field] ?? '';
  }

  /** Non-empty repetitions of a field. */
  reps(field: number): V2Composite[] {
    const raw = this.raw(field);
    if (raw === '' || raw === HL7_NULL) return [];
    const d = this.delimiters;
    return raw
      .split(d.repetition)
      .map((r) => new V2Composite(r, d.component, d.subcomponent, d))
      .filter((r) => !r.isEmpty);
  }

  /** Repetition `repetition` (0-based) of a field; an empty composite when absent. */
  rep(field: number, repetition = 0): V2Composite {
    const d = this.delimiters;
    const raw = this.raw(field);
    const text = repetition === 0 ? firstPiece(raw, d.repetition) : (raw.split(d.repetition)[repetition] ?? '');
    return new V2Composite(text, d.component, d.subcomponent, d);
  }

  /** Decoded, trimmed value of field / component / subcomponent (first repetition). */
  value(field: number, component = 1, subcomponent = 1): string {
    const d = this.delimiters;
    let text = firstPiece(this.raw(field), d.repetition);
    text = nthPiece(text, d.component, component);
    text = nthPiece(text, d.subcomponent, subcomponent);
    return leaf(text, d);
  }

  /** Whole repetitions as decoded text (formatting escapes such as `\.br\` become line breaks). */
  texts(field: number): string[] {
    const d = this.delimiters;
    const raw = this.raw(field);
    if (raw === '' || raw === HL7_NULL) return [];
    return raw
      .split(d.repetition)
      .map((r) => decodeText(r, d))
      .filter((t) => t !== '');
  }
}

function firstPiece(text: string, separator: string): string {
  const end = text.indexOf(separator);
  return end === -1 ? text : text.slice(0, end);
}

function nthPiece(text: string, separator: string, n: number): string {
  if (n === 1) return firstPiece(text, separator);
  return text.split(separator)[n - 1] ?? '';
}

/**
 * Text-field decoding (ST/TX/FT): formatting commands (HL7 v2.5.1 §2.7.6) `\.br\` and `\.sp\`
 * become line breaks, other formatting and highlighting commands are dropped, then the
 * delimiter and hex escapes are decoded.
 */
export function decodeText(raw: string, delimiters: Hl7Delimiters): string {
  if (raw === HL7_NULL) return '';
  const esc = delimiters.escape;
  if (!raw.includes(esc)) return raw.trim();
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const open = raw.indexOf(esc, i);
    if (open === -1) break;
    const close = raw.indexOf(esc, open + 1);
    if (close === -1) break;
    out += raw.slice(i, open);
    const body = raw.slice(open + 1, close);
    if (body === '.br' || body.startsWith('.sp')) out += '\n';
    else if (!(body === 'H' || body === 'N' || body.startsWith('.'))) out += raw.slice(open, close + 1);
    i = close + 1;
  }
  return decodeEscapes(out + raw.slice(i), delimiters).trim();
}

/** A message parsed once into segments, with the dialect's field overrides applied. */
export class V2Message {
  private readonly byId = new Map<string, V2Segment[]>();

  constructor(
    readonly header: ParsedHeader,
    readonly segments: readonly V2Segment[],
  ) {
    for (const s of segments) {
      const list = this.byId.get(s.id);
      if (list) list.push(s);
      else this.byId.set(s.id, [s]);
    }
  }

  get delimiters(): Hl7Delimiters {
    return this.header.delimiters;
  }

  first(id: string): V2Segment | undefined {
    return this.byId.get(id)?.[0];
  }

  all(id: string): readonly V2Segment[] {
    return this.byId.get(id) ?? [];
  }
}

export type ParseV2Result = { ok: true; message: V2Message } | { ok: false; error: Hl7ParseError };

/**
 * Parses a message once (on top of `parseHeader` and `segments`) and applies field overrides
 * in order. Segment ids are upper-cased; segment sequence numbers count occurrences per id.
 */
export function parseV2Message(raw: string, overrides: readonly CompiledOverride[] = []): ParseV2Result {
  const header = parseHeader(raw);
  if (!header.ok) return header;
  const delimiters = header.header.delimiters;
  const counts = new Map<string, number>();
  const list = segments(raw).map((fields, position) => {
    const id = (fields[0] ?? '').trim().toUpperCase();
    const sequence = (counts.get(id) ?? 0) + 1;
    counts.set(id, sequence);
    return new V2Segment(id, sequence, position, fields, delimiters);
  });
  const message = new V2Message(header.header, list);
  for (const o of overrides) applyOverride(message, o);
  return { ok: true, message };
}

function applyOverride(message: V2Message, override: CompiledOverride): void {
  const d = message.delimiters;
  for (const target of message.all(override.target.segment)) {
    let text: string;
    if ('from' in override) {
      const source = override.from.segment === target.id ? target : message.first(override.from.segment);
      if (!source) continue;
      text = readRaw(source, override.from, d);
      if (text === '' || text === HL7_NULL) continue;
    } else {
      text = encodeEscapes(override.value, d);
    }
    writeRaw(target, override.target, text, d);
  }
}

/** Escaped text at a path (first repetition below field level). */
function readRaw(segment: V2Segment, path: FieldPath, d: Hl7Delimiters): string {
  const field = segment.raw(path.field);
  if (path.component === undefined) return field;
  const component = nthPiece(firstPiece(field, d.repetition), d.component, path.component);
  return path.subcomponent === undefined ? component : nthPiece(component, d.subcomponent, path.subcomponent);
}

function writeRaw(segment: V2Segment, path: FieldPath, text: string, d: Hl7Delimiters): void {
  const fields = segment.fields;
  while (fields.length <= path.field) fields.push('');
  if (path.component === undefined) {
    fields[path.field] = text;
    return;
  }
  const reps = fields[path.field].split(d.repetition);
  const components = reps[0].split(d.component);
  while (components.length < path.component) components.push('');
  if (path.subcomponent === undefined) {
    components[path.component - 1] = text;
  } else {
    const subs = components[path.component - 1].split(d.subcomponent);
    while (subs.length < path.subcomponent) subs.push('');
    subs[path.subcomponent - 1] = text;
    components[path.component - 1] = subs.join(d.subcomponent);
  }
  reps[0] = components.join(d.component);
  fields[path.field] = reps.join(d.repetition);
}
