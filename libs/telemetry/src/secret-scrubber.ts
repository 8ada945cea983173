/** What every redacted value is replaced with, in logs and spans alike. */
export const REDACTED = '[redacted]';

/*
 * Patterns for credentials that end up inside free text (error messages, URLs,
 * interpolated log arguments) where no key name warns us. Order matters: the
 * specific shapes run before the generic "long opaque blob" catch-all so that
 * the surrounding words ("Bearer ") survive and the output stays readable.
 */
const SECRET_PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/\b(Bearer|Basic|Digest)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/(\/\/)[^/\s:@]+:[^/\s@]+@/g, `$1${REDACTED}@`],
  [
    /\b(password|passwd|pwd|secret|client[_-]?secret|token|access[_-]?token|refresh[_-]?token|id[_-]?token|api[_-]?key|apikey)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&,;]+)/gi,
    `$1$2${REDACTED}`,
  ],
  // Hex keys and digests; 40+ so that 32-hex trace ids in our own log lines survive.
  [/(?<![A-Za-z0-9])[0-9a-fA-F]{40,}(?![A-Za-z0-9])/g, REDACTED],
];

/*
 * Base64 secrets have no fixed shape, so a long run is masked only when it mixes
 * upper case, lower case and digits: file paths and identifiers rarely do, keys
 * almost always do.
 */
const OPAQUE_BLOB = /(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{32,}={0,2}/g;
const looksRandom = (s: string): boolean => /[A-Z]/.test(s) && /[a-z]/.test(s) && /[0-9]/.test(s);

/*
 * Our own credentials (API keys `sbk_<id>_<secret>`, client secrets `sbcs_…`,
 * operator tokens `sbop_…`, invite tokens `sbinv_…`, console session tokens `sbses_…`; `sb_…` in older docs). The random tail tells them
 * from look-alikes such as database names (`sb_test_1795…`) and from the short
 * visible key prefix shown in lists.
 */
const OUR_CREDENTIAL = /\bsb(?:k|cs|op|inv|ses)?_[A-Za-z0-9_-]{16,}/g;

/** Masks anything in free text that looks like a credential. Idempotent. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  out = out.replace(OUR_CREDENTIAL, (m) => (looksRandom(m) ? REDACTED : m));
  return out.replace(OPAQUE_BLOB, (m) => (looksRandom(m) ? REDACTED : m));
}

const FOREIGN_MESSAGE_MAX_CHARS = 500;

/*
 * Libraries quote the offending input in their messages (pg: `invalid input
 * syntax for type uuid: "Smith"`, V8: `"Smith" is not valid JSON`), so quoted
 * spans, e-mail addresses, long digit runs (phone, SSN, MRN) and dates are
 * masked. Over-masking costs some detail; the error type, code and frames remain.
 */
const LIKELY_USER_INPUT: ReadonlyArray<[RegExp, string]> = [
  [/"(?:[^"\\]|\\.)*"/g, '"…"'],
  [/'(?:[^'\\\n]|\\.)*'/g, "'…'"],
  [/`[^`]*`/g, '`…`'],
  [/[^\s@<>()"',;]+@[^\s@<>()"',;]+\.[A-Za-z]{2,}/g, '[email]'],
  [/\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+Z?)?\b/g, '[date]'],
  [/\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/g, '[date]'],
  [/\b\d{3}-\d{2}-\d{4}\b/g, '[number]'],
  [/\+?\d[\d -]{5,}\d/g, '[number]'],
];

/**
 * For messages of errors we did not write: they may echo user input, so they are
 * kept for diagnosis but stripped of credentials and of anything shaped like a
 * patient identifier, and capped in length.
 */
export function scrubForeignMessage(text: string): string {
  let out = scrubSecrets(text);
  for (const [pattern, replacement] of LIKELY_USER_INPUT) out = out.replace(pattern, replacement);
  return out.length > FOREIGN_MESSAGE_MAX_CHARS ? `${out.slice(0, FOREIGN_MESSAGE_MAX_CHARS)}…` : out;
}
