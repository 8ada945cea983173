import { Injectable } from '@nestjs/common';
import { unwrapTx, type DbTransaction } from '../database';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../prisma.service';
import { executeIn, type AnyTransaction } from '../sql-transaction';

/** One resource of a connection's clinical store, with the tokens its searches use. */
export interface StoredResource {
  resourceType: string;
  id: string;
  patientId: string | null;
  /** `system|value` and `|value` per identifier. */
  identifiers: string[];
  /** Lowercased name parts. */
  nameTokens: string[];
  /** Patient.birthDate or the resource's clinical date (ISO), for `birthdate`/`date`. */
  searchDate: string | null;
  resource: Record<string, unknown>;
}

/** Where a coded search looks: a CodeableConcept, a list of them, or a Coding. */
export type CodedElement =
  | { path: string; shape: 'concept' }
  | { path: string; shape: 'concepts' }
  | { path: string; shape: 'coding' };

export type DateComparator = 'eq' | 'ge' | 'gt' | 'le' | 'lt';

/** A store search; every criterion given must hold (and each list is any-of). */
export interface ClinicalQuery {
  resourceType: string;
  ids?: string[];
  patientId?: string;
  identifierTokens?: string[];
  /** Every prefix must start some name token. */
  namePrefixes?: string[];
  dates?: { comparator: DateComparator; value: string }[];
  /** Top-level string fields that must equal one of the values (`status`, `gender`). */
  equals?: { field: string; values: string[] }[];
  /** Each entry: the element holds one of the alternatives. */
  codes?: { element: CodedElement; anyOf: { system?: string; code: string }[] }[];
  /** Keyset paging: ids strictly after this one. */
  afterId?: string;
  limit: number;
}

export type UpsertMode = 'merge' | 'replace';

interface ResourceRow {
  tenantId: string;
  connectionId: string;
  sourceMessageId: string | null;
  resource: StoredResource;
}

/** A resource named twice in one message is written once (later fields win), since one INSERT cannot update a row twice. */
function mergedByKey(resources: readonly StoredResource[]): StoredResource[] {
  const byKey = new Map<string, StoredResource>();
  for (const r of resources) {
    const key = `${r.resourceType}/${r.id}`;
    const earlier = byKey.get(key);
    byKey.set(key, earlier ? { ...r, identifiers: [...new Set([...earlier.identifiers, ...r.identifiers])], resource: { ...earlier.resource, ...r.resource } } : r);
  }
  return [...byKey.values()];
}

const comparatorSql: Record<DateComparator, Prisma.Sql> = {
  eq: Prisma.sql`=`,
  ge: Prisma.sql`>=`,
  gt: Prisma.sql`>`,
  le: Prisma.sql`<=`,
  lt: Prisma.sql`<`,
};

const codedCondition = (element: CodedElement, coding: Record<string, string>): Prisma.Sql => {
  const json = JSON.stringify(element.shape === 'coding' ? coding : [coding]);
  if (element.shape === 'coding') return Prisma.sql`"resource"->${element.path} @> ${json}::jsonb`;
  if (element.shape === 'concept') return Prisma.sql`"resource"->${element.path}->'coding' @> ${json}::jsonb`;
  return Prisma.sql`EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof("resource"->${element.path}) = 'array' THEN "resource"->${element.path} ELSE '[]'::jsonb END) c WHERE c->'coding' @> ${json}::jsonb)`;
};

/** How a write combines with the stored row: each column's new value, and whether the identifiers change. */
interface WriteMode {
  resource: string;
  identifiers: string;
  identifiersChanged: string;
  patientId: string;
  nameTokens: string;
}

/**
 * Writes resource rows from one JSON document. `merge` keeps what the stored resource has and the
 * new one lacks (top-level fields, identifiers, and the search tokens of the fields it keeps);
 * `replace` overwrites. A write that changes something bumps the version; one that would leave the
 * row as it is (a feed repeating a patient's demographics on every message) writes nothing: no new
 * version, no new row version in the table and its indexes.
 */
const writeRowsSql = (mode: WriteMode): string => `
  INSERT INTO "ClinicalResource" ("tenantId", "connectionId", "resourceType", "id", "patientId", "identifiers", "nameTokens", "searchDate", "resource", "sourceMessageId", "updatedAt")
  SELECT r.tenant, r.connection, r.type, r.id, r.patient,
         ARRAY(SELECT jsonb_array_elements_text(r.identifiers)), ARRAY(SELECT jsonb_array_elements_text(r.names)),
         r.date, r.body, r.source, now()
  FROM jsonb_to_recordset($1::jsonb)
       AS r(tenant uuid, connection uuid, source uuid, type text, id text, patient text, identifiers jsonb, names jsonb, date text, body jsonb)
  ON CONFLICT ("connectionId", "resourceType", "id") DO UPDATE SET
    "patientId" = ${mode.patientId},
    "identifiers" = ${mode.identifiers},
    "nameTokens" = ${mode.nameTokens},
    "searchDate" = COALESCE(EXCLUDED."searchDate", "ClinicalResource"."searchDate"),
    "resource" = ${mode.resource},
    "versionId" = "ClinicalResource"."versionId" + 1,
    "sourceMessageId" = EXCLUDED."sourceMessageId",
    "updatedAt" = now()
  WHERE "ClinicalResource"."tenantId" = EXCLUDED."tenantId"
    AND (${mode.identifiersChanged}
      OR "ClinicalResource"."patientId" IS DISTINCT FROM ${mode.patientId}
      OR "ClinicalResource"."nameTokens" IS DISTINCT FROM ${mode.nameTokens}
      OR (EXCLUDED."searchDate" IS NOT NULL AND "ClinicalResource"."searchDate" IS DISTINCT FROM EXCLUDED."searchDate")
      OR "ClinicalResource"."resource" IS DISTINCT FROM ${mode.resource})`;

const WRITE_ROWS_SQL: Record<UpsertMode, string> = {
  merge: writeRowsSql({
    resource: `"ClinicalResource"."resource" || EXCLUDED."resource"`,
    identifiers: `ARRAY(SELECT DISTINCT unnest("ClinicalResource"."identifiers" || EXCLUDED."identifiers"))`,
    // The union differs from what is stored exactly when some new identifier is not stored yet.
    identifiersChanged: `NOT ("ClinicalResource"."identifiers" @> EXCLUDED."identifiers")`,
    // The merged resource keeps the stored name, subject or patient when the new one has none: so do its tokens.
    patientId: `CASE WHEN EXCLUDED."resourceType" = 'Patient' OR EXCLUDED."resource" ?| ARRAY['subject', 'patient', 'participant'] THEN EXCLUDED."patientId" ELSE "ClinicalResource"."patientId" END`,
    nameTokens: `CASE WHEN EXCLUDED."resource" ? 'name' THEN EXCLUDED."nameTokens" ELSE "ClinicalResource"."nameTokens" END`,
  }),
  replace: writeRowsSql({
    resource: `EXCLUDED."resource"`,
    identifiers: `EXCLUDED."identifiers"`,
    identifiersChanged: `"ClinicalResource"."identifiers" IS DISTINCT FROM EXCLUDED."identifiers"`,
    patientId: `EXCLUDED."patientId"`,
    nameTokens: `EXCLUDED."nameTokens"`,
  }),
};

/**
 * The gateway's own clinical store, one per connection: the FHIR resources built
 * from what an HL7 v2 site sent, served by the FHIR facade like any EHR's data.
 * Every method is scoped by tenant and connection.
 */
@Injectable()
export class ClinicalStoreRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Writes resources in the caller's transaction. `merge` keeps top-level fields a
   * later, thinner message does not carry (an ORU's PID must not erase the ADT's
   * address); `replace` overwrites. A write that changes the resource bumps its version; one that
   * changes nothing is skipped.
   */
  async upsert(tx: DbTransaction, tenantId: string, connectionId: string, resources: readonly StoredResource[], sourceMessageId: string | null, mode: UpsertMode = 'merge'): Promise<void> {
    await this.writeRows(tx, mergedByKey(resources).map((resource) => ({ tenantId, connectionId, sourceMessageId, resource })), mode);
  }

  /**
   * Several messages' resources in one statement (a worker's batch), each row with its own tenant,
   * connection and source message. When two messages name the same resource, one INSERT cannot update
   * its row twice: the messages are then written one statement each, in order, as {@link upsert} would.
   */
  async upsertMany(tx: AnyTransaction, items: readonly { tenantId: string; connectionId: string; resources: readonly StoredResource[]; sourceMessageId: string | null }[]): Promise<void> {
    const perItem = items.map((item) => mergedByKey(item.resources).map((resource) => ({ tenantId: item.tenantId, connectionId: item.connectionId, sourceMessageId: item.sourceMessageId, resource })));
    const keys = new Set<string>();
    const rows = perItem.flat();
    for (const row of rows) keys.add(`${row.connectionId}/${row.resource.resourceType}/${row.resource.id}`);
    if (keys.size === rows.length) return this.writeRows(tx, rows, 'merge');
    for (const itemRows of perItem) await this.writeRows(tx, itemRows, 'merge');
  }

  private async writeRows(tx: AnyTransaction, rows: readonly ResourceRow[], mode: UpsertMode): Promise<void> {
    if (rows.length === 0) return;
    // One JSON document for the rows, not an array parameter per column: pg escapes every element
    // of a jsonb[] (each quote of every resource) and Postgres parses it twice.
    const records = rows.map(({ tenantId, connectionId, sourceMessageId, resource: r }) => ({
      tenant: tenantId,
      connection: connectionId,
      source: sourceMessageId,
      type: r.resourceType,
      id: r.id,
      patient: r.patientId,
      identifiers: r.identifiers,
      names: r.nameTokens,
      date: r.searchDate,
      body: r.resource,
    }));
    await executeIn(tx, `sb_clinical_write_${mode}_v2`, WRITE_ROWS_SQL[mode], [JSON.stringify(records)]);
  }

  /** {@link upsert} in a transaction of its own. */
  async save(tenantId: string, connectionId: string, resources: readonly StoredResource[]): Promise<void> {
    await this.prisma.$transaction((tx) => this.upsert(tx as unknown as DbTransaction, tenantId, connectionId, resources, null));
  }

  async find(tenantId: string, connectionId: string, resourceType: string, id: string, tx?: DbTransaction): Promise<{ resource: Record<string, unknown>; versionId: number; updatedAt: Date } | null> {
    const db = tx ? unwrapTx(tx) : this.prisma;
    const row = await db.clinicalResource.findFirst({
      where: { tenantId, connectionId, resourceType, id },
      select: { resource: true, versionId: true, updatedAt: true },
    });
    return row ? { resource: row.resource as Record<string, unknown>, versionId: row.versionId, updatedAt: row.updatedAt } : null;
  }

  async search(tenantId: string, connectionId: string, query: ClinicalQuery): Promise<{ id: string; resource: Record<string, unknown>; versionId: number; updatedAt: Date }[]> {
    const where: Prisma.Sql[] = [
      Prisma.sql`"tenantId" = ${tenantId}::uuid`,
      Prisma.sql`"connectionId" = ${connectionId}::uuid`,
      Prisma.sql`"resourceType" = ${query.resourceType}`,
    ];
    if (query.ids) where.push(Prisma.sql`"id" = ANY(${query.ids}::text[])`);
    if (query.patientId !== undefined) where.push(Prisma.sql`"patientId" = ${query.patientId}`);
    if (query.identifierTokens) where.push(Prisma.sql`"identifiers" && ${query.identifierTokens}::text[]`);
    for (const prefix of query.namePrefixes ?? []) {
      const like = `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(Prisma.sql`EXISTS (SELECT 1 FROM unnest("nameTokens") t WHERE t LIKE ${like})`);
    }
    for (const d of query.dates ?? []) {
      // A date-only value compares as a prefix of the stored ISO date/dateTime.
      const stored = Prisma.sql`substr("searchDate", 1, ${d.value.length})`;
      where.push(Prisma.sql`"searchDate" IS NOT NULL AND ${stored} ${comparatorSql[d.comparator]} ${d.value}`);
    }
    for (const e of query.equals ?? []) where.push(Prisma.sql`"resource"->>${e.field} = ANY(${e.values}::text[])`);
    for (const c of query.codes ?? []) {
      const alternatives = c.anyOf.map((a) => codedCondition(c.element, a.system ? { system: a.system, code: a.code } : { code: a.code }));
      where.push(Prisma.sql`(${Prisma.join(alternatives, ' OR ')})`);
    }
    if (query.afterId) where.push(Prisma.sql`"id" > ${query.afterId}`);
    const rows = await this.prisma.$queryRaw<{ id: string; resource: Record<string, unknown>; versionId: number; updatedAt: Date }[]>`
      SELECT "id", "resource", "versionId", "updatedAt" FROM "ClinicalResource"
      WHERE ${Prisma.join(where, ' AND ')}
      ORDER BY "id" LIMIT ${query.limit}`;
    return rows;
  }

  /**
   * ADT^A40: the retired patient's resources now belong to the survivor. References
   * inside them are rewritten; the retired Patient stays, inactive, linked `replaced-by`.
   */
  async mergePatients(tx: DbTransaction, tenantId: string, connectionId: string, retiredId: string, survivorId: string): Promise<number> {
    const db = unwrapTx(tx);
    const from = JSON.stringify(`Patient/${retiredId}`);
    const to = JSON.stringify(`Patient/${survivorId}`);
    const moved = await db.$executeRaw`
      UPDATE "ClinicalResource" SET
        "patientId" = ${survivorId},
        "resource" = replace("resource"::text, ${from}, ${to})::jsonb,
        "versionId" = "versionId" + 1, "updatedAt" = now()
      WHERE "tenantId" = ${tenantId}::uuid AND "connectionId" = ${connectionId}::uuid AND "patientId" = ${retiredId} AND "resourceType" <> 'Patient'`;
    const link = JSON.stringify({ active: false, link: [{ other: { reference: `Patient/${survivorId}` }, type: 'replaced-by' }] });
    await db.$executeRaw`
      UPDATE "ClinicalResource" SET "resource" = "resource" || ${link}::jsonb, "versionId" = "versionId" + 1, "updatedAt" = now()
      WHERE "tenantId" = ${tenantId}::uuid AND "connectionId" = ${connectionId}::uuid AND "resourceType" = 'Patient' AND "id" = ${retiredId}`;
    return moved;
  }

  /**
   * One page of a connection's resources of one type for a Bulk Data export, in id order
   * (keyset paging after `afterId`): only those written up to `until` (the export's
   * transactionTime), since `since` when given, and of the given patients when given.
   */
  async exportPage(
    tenantId: string,
    connectionId: string,
    query: { resourceType: string; afterId: string | null; limit: number; until: Date; since: Date | null; patientIds: readonly string[] | null },
  ): Promise<{ id: string; resource: Record<string, unknown>; updatedAt: Date }[]> {
    const where: Prisma.Sql[] = [
      Prisma.sql`"tenantId" = ${tenantId}::uuid`,
      Prisma.sql`"connectionId" = ${connectionId}::uuid`,
      Prisma.sql`"resourceType" = ${query.resourceType}`,
      Prisma.sql`"updatedAt" <= ${query.until}`,
    ];
    if (query.afterId !== null) where.push(Prisma.sql`"id" > ${query.afterId}`);
    if (query.since) where.push(Prisma.sql`"updatedAt" > ${query.since}`);
    if (query.patientIds) {
      const ids = [...query.patientIds];
      where.push(query.resourceType === 'Patient' ? Prisma.sql`"id" = ANY(${ids}::text[])` : Prisma.sql`"patientId" = ANY(${ids}::text[])`);
    }
    return this.prisma.$queryRaw<{ id: string; resource: Record<string, unknown>; updatedAt: Date }[]>`
      SELECT "id", "resource", "updatedAt" FROM "ClinicalResource"
      WHERE ${Prisma.join(where, ' AND ')}
      ORDER BY "id" LIMIT ${query.limit}`;
  }

  async countForConnection(tenantId: string, connectionId: string, resourceType?: string): Promise<number> {
    return this.prisma.clinicalResource.count({ where: { tenantId, connectionId, ...(resourceType ? { resourceType } : {}) } });
  }
}
