import { databaseName } from './database-admin';

/** `database "x" on host:5432`: enough to know the target, nothing secret. */
export function describeDatabase(url: string): string {
  const u = new URL(url);
  return `database "${databaseName(url)}" on ${u.hostname}${u.port === '' ? '' : `:${u.port}`}`;
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    // Connecting to every address of a host fails as one AggregateError with no message.
    return error.errors.map(messageOf).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return error.message !== '' ? error.message : typeof code === 'string' ? code : error.name;
  }
  return String(error);
}

/** The error as one line, with the URL's password blanked should a driver have echoed it. */
export function oneLineError(error: unknown, url?: string): string {
  let text = messageOf(error).replace(/\s*\n\s*/g, ' ').trim();
  for (const secret of url === undefined ? [] : passwordForms(url)) text = text.split(secret).join('***');
  return text;
}

function passwordForms(url: string): string[] {
  try {
    const raw = new URL(url).password;
    return raw === '' ? [] : [...new Set([raw, decodeURIComponent(raw)])];
  } catch {
    return [];
  }
}
