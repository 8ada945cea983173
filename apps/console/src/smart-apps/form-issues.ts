import { isApiError } from '../api/client';

export type SmartAppField = 'name' | 'launchUrl' | 'redirectUris' | 'scopes' | 'confidential' | 'jwksUrl';
const FIELDS: readonly SmartAppField[] = ['name', 'launchUrl', 'redirectUris', 'scopes', 'confidential', 'jwksUrl'];

/** The entries of a one-per-line (or space-separated) field, each with the 1-based line it is on. */
export interface ListEntry {
  value: string;
  line: number;
}

/** Redirect URIs: one per line, blank lines ignored. */
export const linesOf = (text: string): ListEntry[] =>
  text
    .split('\n')
    .map((value, i) => ({ value: value.trim(), line: i + 1 }))
    .filter((e) => e.value !== '');

/** Scopes: separated by spaces or new lines, as OAuth writes them (`launch openid patient/*.rs`). */
export const scopesOf = (text: string): string[] => text.split(/\s+/).filter(Boolean);

/**
 * The API's 400 issues as messages under the fields they name (`redirectUris.2` → the
 * redirect URI field, with its line); what names no field stays for the form's alert.
 */
export function fieldIssues(error: unknown, redirectLines: readonly ListEntry[]): { fields: Partial<Record<SmartAppField, string>>; rest: boolean } {
  const fields: Partial<Record<SmartAppField, string[]>> = {};
  let rest = false;
  if (!isApiError(error) || error.code !== 'validation_failed' || !error.issues) return { fields: {}, rest: Boolean(error) };
  const lineOf = (index: string) => redirectLines[Number(index)]?.line ?? Number(index) + 1;
  for (const { path, message } of error.issues) {
    const [head, index] = path.split('.');
    const field = FIELDS.find((f) => f === head);
    if (!field) {
      rest = true;
      continue;
    }
    let text = message;
    if (field === 'redirectUris') {
      text = message.replace(/redirectUris\.(\d+)/g, (_, i: string) => `line ${lineOf(i)}`);
      if (index !== undefined) text = `Line ${lineOf(index)}: ${text}`;
    }
    (fields[field] ??= []).push(text);
  }
  return { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v.join(' · ')])) as Partial<Record<SmartAppField, string>>, rest };
}
