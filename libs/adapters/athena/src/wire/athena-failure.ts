/** Longest vendor text returned (athena's messages are one sentence; anything longer is not a message). */
const MAX_MESSAGE = 300;

const clip = (text: string): string => (text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text);

/**
 * athena answers some failures with HTTP 200 (/work/shared/notes/athena.md §8, §12.5):
 * `{"success":"false","errormessage":"…"}` (or `false`), and a bare JSON string such as
 * `"Invalid PROVIDERID input"` from `PUT /appointments/booked/{id}`. Returns athena's message
 * (or a stand-in when it sent none) for such a body, null for a body that is not a failure.
 *
 * The text is athena's, not ours: it may echo submitted values, so it belongs in a vendor-detail
 * field the caller has judged safe, never in an SbError message or a log line.
 */
export function athenaFailure(body: unknown): string | null {
  if (typeof body === 'string') return clip(body.trim()) || 'athena sent an empty response';
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  const record = body as Record<string, unknown>;
  const success = record.success;
  const failed = success === false || (typeof success === 'string' && success.trim().toLowerCase() === 'false');
  if (!failed) return null;
  const message = [record.errormessage, record.error, record.message].find((m): m is string => typeof m === 'string' && m.trim() !== '');
  return message ? clip(message.trim()) : 'athena reported a failure without a message';
}
