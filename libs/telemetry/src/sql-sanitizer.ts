const MAX_STATEMENT_CHARS = 2000;

/**
 * Replaces SQL literals with `?`. Our queries are parameterized (`$1`), but raw
 * SQL or a library building statements by concatenation would otherwise put
 * values — names, identifiers — into `db.statement`.
 */
export function scrubSqlLiterals(sql: string): string {
  const scrubbed = sql
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g, '?')
    .replace(/'(?:[^']|'')*'/g, '?')
    // Digits preceded by a word character, `$` or `.` belong to identifiers and placeholders.
    .replace(/(?<![\w$."])-?\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?');
  return scrubbed.length > MAX_STATEMENT_CHARS ? `${scrubbed.slice(0, MAX_STATEMENT_CHARS)}…` : scrubbed;
}

/**
 * A Redis "statement" is a command followed by keys and values (BullMQ job
 * payloads among them), so only the command name is kept.
 */
export function redisCommandOnly(statement: string): string {
  return statement.trim().split(/\s+/, 1)[0] ?? '';
}
