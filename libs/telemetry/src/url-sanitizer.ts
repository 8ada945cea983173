import { REDACTED } from './secret-scrubber';

/**
 * Keeps scheme, host and path; drops query string, fragment and credentials.
 * FHIR searches put patient names, birth dates and identifiers in the query
 * (`/Patient?family=Smith&birthdate=…`), so no URL is recorded with one.
 * Works on absolute URLs and on bare paths (`/fhir/Patient?name=x`).
 */
export function stripQuery(url: string): string {
  const cut = url.search(/[?#]/);
  const withoutQuery = cut === -1 ? url : url.slice(0, cut);
  return withoutQuery.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, `$1${REDACTED}@`);
}

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;

export const looksLikeUrl = (value: string): boolean => ABSOLUTE_URL.test(value);
