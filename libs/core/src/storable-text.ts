/** A lone UTF-16 surrogate: valid in a JS string, refused by Postgres text and jsonb. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string holds what Postgres cannot store: U+0000 or a lone surrogate. */
export const unstorableString = (s: string): boolean => s.includes('\u0000') || LONE_SURROGATE.test(s);

/**
 * Whether any string in a JSON value (keys included) is unstorable. Walked
 * without recursion, so the depth of the value does not matter.
 */
export function holdsUnstorableText(value: unknown): boolean {
  const stack: unknown[] = [value];
  for (let next = stack.pop(); next !== undefined || stack.length > 0; next = stack.pop()) {
    if (typeof next === 'string') {
      if (unstorableString(next)) return true;
    } else if (next !== null && typeof next === 'object') {
      for (const [key, child] of Object.entries(next)) {
        if (unstorableString(key)) return true;
        stack.push(child);
      }
    }
  }
  return false;
}
