import { createHash } from 'node:crypto';

/**
 * The canonical JSON of a value: object keys sorted (by UTF-16 code units), no whitespace,
 * strings and numbers as JSON.stringify writes them — i.e. RFC 8785 (JCS) for the values an
 * invoice holds. One value has exactly one text, so its SHA-256 identifies a finalized invoice
 * (or a plan version) and anyone can recompute it from the stored document.
 *
 * Like JSON.stringify: `toJSON` is honoured (Dates become ISO strings), object properties that
 * are undefined or functions are left out, and array holes/undefined become null. Refuses what
 * has no faithful JSON form: NaN and ±Infinity, BigInt, and cycles.
 */
export function canonicalJson(value: unknown): string {
  const seen = new Set<object>();
  const write = (v: unknown): string | undefined => {
    if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
      v = (v as { toJSON: () => unknown }).toJSON();
    }
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return JSON.stringify(v);
      case 'number':
        if (!Number.isFinite(v)) throw new TypeError('canonicalJson: NaN and Infinity have no JSON form');
        return JSON.stringify(v);
      case 'bigint':
        throw new TypeError('canonicalJson: BigInt has no JSON form; use a decimal string');
      case 'undefined':
      case 'function':
      case 'symbol':
        return undefined;
      default:
        break;
    }
    if (v === null) return 'null';
    const obj = v as object;
    if (seen.has(obj)) throw new TypeError('canonicalJson: cyclic value');
    seen.add(obj);
    let out: string;
    if (Array.isArray(obj)) {
      out = `[${obj.map((item: unknown) => write(item) ?? 'null').join(',')}]`;
    } else {
      const record = obj as Record<string, unknown>;
      const parts: string[] = [];
      for (const key of Object.keys(record).sort()) {
        const text = write(record[key]);
        if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
      }
      out = `{${parts.join(',')}}`;
    }
    seen.delete(obj);
    return out;
  };
  const text = write(value);
  if (text === undefined) throw new TypeError('canonicalJson: the value has no JSON form');
  return text;
}

/** Lower-case hex SHA-256 of a text (UTF-8) or bytes: the fingerprint stored beside a finalized document. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
