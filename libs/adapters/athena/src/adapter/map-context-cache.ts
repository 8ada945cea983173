import type { Connection } from '@sb/db';
import type { AthenaMapContext } from '../fhir/map-context';
import { parseDepartmentPage, type AthenaDepartment } from '../wire';
import type { AthenaApi } from './athena-api';

/** Departments change rarely (athena: "cacheable, but they change"); one list per connection and process for this long. */
export const DEPARTMENTS_TTL_MS = 10 * 60_000;
/** More departments than a practice has: the list is read in one request when it can be. */
const DEPARTMENT_PAGE = 500;
/** Pages followed at most when reading the whole department list. */
const MAX_DEPARTMENT_PAGES = 20;

interface Entry {
  version: string;
  expiresAtMs: number;
  departments: Promise<ReadonlyMap<string, AthenaDepartment>>;
}

const cache = new Map<string, Entry>();

/**
 * The practice's departments (their time zones place appointment times), shared by
 * the calls of one connection in this process for a few minutes — every FHIR read
 * would otherwise cost an extra athena request out of the practice's budget.
 */
export function departmentsOf(connection: Connection, api: AthenaApi, now = Date.now()): Promise<ReadonlyMap<string, AthenaDepartment>> {
  const version = `${connection.updatedAt.toISOString()}|${api.http.practiceId}`;
  const hit = cache.get(connection.id);
  if (hit && hit.version === version && hit.expiresAtMs > now) return hit.departments;
  const departments = readAll(api);
  cache.set(connection.id, { version, expiresAtMs: now + DEPARTMENTS_TTL_MS, departments });
  departments.catch(() => {
    if (cache.get(connection.id)?.departments === departments) cache.delete(connection.id);
  });
  for (const [id, entry] of cache) if (entry.expiresAtMs <= now) cache.delete(id);
  return departments;
}

async function readAll(api: AthenaApi): Promise<ReadonlyMap<string, AthenaDepartment>> {
  const all = new Map<string, AthenaDepartment>();
  let page = await api.scheduling.departments({ limit: DEPARTMENT_PAGE });
  for (let i = 0; ; i++) {
    for (const d of parseDepartmentPage(page.body).items) all.set(d.departmentId, d);
    if (!page.next || i + 1 >= MAX_DEPARTMENT_PAGES) break;
    page = await api.http.nextPage(page.next);
  }
  return all;
}

/** The mappers' context for this connection. */
export async function mapContextOf(connection: Connection, api: AthenaApi): Promise<AthenaMapContext> {
  return { practiceId: api.http.practiceId, departments: await departmentsOf(connection, api), connectionId: connection.id };
}
