import type { BulkExportSummary } from '../api/types';
import { formatDateTime } from '../ui/time';

/**
 * The types and `_since` an export asked for, read from its request URL's query (a GET
 * kick-off, as this page sends). A POST kick-off's parameters travel in its body, which the
 * list does not carry: such an export reads as "every type".
 */
export function requestOf(e: Pick<BulkExportSummary, 'requestUrl'>): { types: string[]; since: string | null } {
  let params: URLSearchParams;
  try {
    params = new URL(e.requestUrl).searchParams;
  } catch {
    params = new URLSearchParams();
  }
  const listed = params.getAll('_type').flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
  return { types: listed, since: params.get('_since') };
}

/** "Group all-patients · Patient, Observation · changed since …": what an export holds, in words. */
export function describeExport(e: Pick<BulkExportSummary, 'level' | 'groupId' | 'requestUrl'>): string {
  const scope = e.level === 'group' ? `Group ${e.groupId ?? '?'}` : e.level === 'patient' ? 'All patients' : 'Everything';
  const { types, since } = requestOf(e);
  const what = types.length > 0 ? types.join(', ') : 'every type';
  return [scope, what, since ? `changed since ${formatDateTime(since)}` : null].filter(Boolean).join(' · ');
}

const clock = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

/** A start or end time to the second: two exports started the same minute are still told apart. */
export const instantLabel = (iso: string): string => clock.format(new Date(iso));
