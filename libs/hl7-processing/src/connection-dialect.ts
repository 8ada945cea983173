import { hl7DialectSchema, type Hl7Dialect } from '@sb/hl7';
import type { Connection } from '@sb/db';

const cache = new Map<string, { version: string; dialect: Hl7Dialect }>();
const MAX_CACHED = 1_000;

/**
 * A connection's stored dialect, validated (the API validated it on the way in;
 * this guards rows written before a schema change). Cached per connection version so
 * the converter's own per-object compile cache holds across messages.
 */
export function dialectOf(connection: Pick<Connection, 'id' | 'dialect' | 'updatedAt'>): Hl7Dialect {
  const version = connection.updatedAt.toISOString();
  const hit = cache.get(connection.id);
  if (hit && hit.version === version) return hit.dialect;
  const parsed = hl7DialectSchema.safeParse(connection.dialect ?? {});
  const dialect: Hl7Dialect = parsed.success ? parsed.data : {};
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(connection.id, { version, dialect });
  return dialect;
}
