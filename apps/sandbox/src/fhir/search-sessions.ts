import { randomBytes } from 'node:crypto';
import type { FhirResource, ResourceType } from './fhir-types';

/** How long a client may take to ask for the next page. */
export const SEARCH_SESSION_TTL_MS = 10 * 60_000;
const MAX_SESSIONS = 5_000;

export interface SearchSession {
  id: string;
  /** Who may page through it: the client (Epic) or tenant (Oracle) that searched. */
  owner: string;
  type: ResourceType;
  /** The result set as it was at the first page, so pages stay stable while notes are written. */
  matches: readonly FhirResource[];
  pageSize: number;
  /** The original query string, which Oracle's next links repeat. */
  query: string;
  expiresAtMs: number;
}

/**
 * Server-side result sets behind the opaque next links, as Epic and Oracle
 * keep them: a link works for a while and only for whoever searched.
 */
export class SearchSessions {
  private readonly sessions = new Map<string, SearchSession>();

  constructor(private readonly now: () => number = Date.now) {}

  open(session: Omit<SearchSession, 'id' | 'expiresAtMs'>): SearchSession {
    if (this.sessions.size >= MAX_SESSIONS) {
      const oldest = this.sessions.keys().next().value;
      if (oldest !== undefined) this.sessions.delete(oldest);
    }
    const full = { ...session, id: randomBytes(12).toString('base64url'), expiresAtMs: this.now() + SEARCH_SESSION_TTL_MS };
    this.sessions.set(full.id, full);
    return full;
  }

  find(id: string, owner: string): SearchSession | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAtMs <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session.owner === owner ? session : undefined;
  }
}

/** The opaque cursor in a next link: which session, from which match. */
export function encodeCursor(sessionId: string, offset: number): string {
  return Buffer.from(`${sessionId}.${offset}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): { sessionId: string; offset: number } | undefined {
  const m = /^([A-Za-z0-9_-]+)\.(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? { sessionId: m[1] as string, offset: Number(m[2]) } : undefined;
}
