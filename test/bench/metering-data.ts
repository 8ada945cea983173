/**
 * Synthetic usage for the metering bench, written with set-based SQL: the rows the hot path
 * writes (usage event, audit record, rollup queue entry), at volumes a bench cannot produce
 * through HTTP on two cores. Every call is a production FHIR call by one of the tenant's
 * connections: 60 % reads, 30 % searches, 10 % creates, each naming one of 50,000 patients.
 */
import type { PrismaService } from '@sb/db';

const BULK_CHUNK = 1_000_000;

/** `count` live production FHIR connections of the tenant, returned as ids. */
export async function createConnections(prisma: PrismaService, tenantId: string, count: number, label: string): Promise<string[]> {
  const rows = await prisma.$queryRawUnsafe<{ id: string }[]>(
    `INSERT INTO "Connection" ("id", "tenantId", "name", "vendor", "environment", "status", "scopes", "fhirBaseUrl", "updatedAt")
     SELECT gen_random_uuid(), $1::uuid, $2 || ' ' || i, 'fhir', 'production', 'live', '{}', 'https://ehr.example.org/fhir/r4/' || i, now()
     FROM generate_series(1, $3::int) AS i RETURNING "id"::text`,
    tenantId,
    label,
    count,
  );
  return rows.map((r) => r.id);
}

/** The per-call columns every generator shares, from the series value `i`. */
const CALL_COLUMNS = `
  CASE WHEN i % 10 < 6 THEN 'read' WHEN i % 10 < 9 THEN 'search' ELSE 'create' END AS op,
  CASE WHEN i % 10 < 6 THEN 'fhir.read' WHEN i % 10 < 9 THEN 'fhir.search' ELSE 'fhir.write' END AS cls,
  'Patient/bench-' || (i % 50000) AS patient`;

/**
 * `count` calls committed now, as the hot path's one statement writes them: usage event,
 * audit record and rollup queue entry. Returns when they are committed.
 */
export async function commitCalls(prisma: PrismaService, tenantId: string, connectionIds: readonly string[], count: number, offset = 0): Promise<void> {
  await prisma.$executeRawUnsafe(
    `WITH calls AS (
       SELECT gen_random_uuid() AS tx, ($2::uuid[])[1 + i % array_length($2::uuid[], 1)] AS conn, ${CALL_COLUMNS}
       FROM generate_series($3::int, $3::int + $4::int - 1) AS i
     ), usage AS (
       INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs",
                                 "occurredAt", "environment", "class", "units", "billable")
       SELECT gen_random_uuid(), $1::uuid, conn, tx, 'fhir', op, 'Patient', 'success', 12, now(), 'production', cls, 1, true FROM calls
       RETURNING "id"
     ), queued AS (
       INSERT INTO "UsageRollupQueue" ("usageId") SELECT "id" FROM usage
     )
     INSERT INTO "AuditRecord" ("id", "tenantId", "transactionId", "connectionId", "actorType", "actorId", "operation", "resourceType", "patientRef", "outcome", "occurredAt")
     SELECT gen_random_uuid(), $1::uuid, tx, conn, 'api-key', 'bench', op, 'Patient', patient, 'success', now() FROM calls`,
    tenantId,
    [...connectionIds],
    offset,
    count,
  );
}

/**
 * `count` billable calls spread evenly over [from, to), loaded in chunks of a million as a
 * bulk load would be: ordered ids, foreign-key triggers off for the session (every row is valid
 * by construction). No audit records and no queue entries: the rollups are built from them
 * afterwards by {@link rollUpLoaded}. `onProgress` hears the rows loaded so far.
 */
export async function loadPeriodCalls(
  prisma: PrismaService,
  tenantId: string,
  connectionIds: readonly string[],
  count: number,
  range: { from: Date; to: Date },
  onProgress: (loaded: number) => void,
): Promise<void> {
  const spanMs = range.to.getTime() - range.from.getTime();
  const runPrefix = Math.floor(Math.random() * 0xffff).toString(16).padStart(4, '0');
  await prisma.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe(`SET LOCAL session_replication_role = replica`);
      for (let start = 0; start < count; start += BULK_CHUNK) {
        const size = Math.min(BULK_CHUNK, count - start);
        await tx.$executeRawUnsafe(
          `INSERT INTO "UsageEvent" ("id", "tenantId", "connectionId", "transactionId", "vendor", "operation", "resourceType", "outcome", "durationMs",
                                     "occurredAt", "environment", "class", "units", "billable")
           SELECT ('b0000000-${runPrefix}-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, $1::uuid, ($2::uuid[])[1 + i % array_length($2::uuid[], 1)],
                  ('c0000000-${runPrefix}-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'fhir', op, 'Patient', 'success', 12,
                  $3::timestamptz + make_interval(secs => (i::float8 * $4::float8 / $5::float8) / 1000), 'production', cls, 1, true
           FROM (SELECT i, ${CALL_COLUMNS} FROM generate_series($6::int, $6::int + $7::int - 1) AS i) AS calls`,
          tenantId,
          [...connectionIds],
          range.from,
          spanMs,
          count,
          start,
          size,
        );
        onProgress(start + size);
      }
    },
    { timeout: 60 * 60_000, maxWait: 10_000 },
  );
}

/** The 15-minute rollups of the loaded calls, grouped as the rollup service groups them (the period totals are then its own rebuild from these rows). */
export async function rollUpLoaded(prisma: PrismaService, tenantId: string): Promise<void> {
  await prisma.$executeRawUnsafe(
    `INSERT INTO "UsageRollup" ("tenantId", "bucketStart", "connectionId", "vendor", "operation", "resourceType", "class", "environment", "outcome", "billable", "count", "units", "updatedAt")
     SELECT "tenantId", to_timestamp(floor(extract(epoch FROM "occurredAt") / 900) * 900), "connectionId", "vendor", "operation", "resourceType", COALESCE("class", ''),
            "environment", "outcome", "billable", count(*)::int, sum("units")::int, now()
     FROM "UsageEvent" WHERE "tenantId" = $1::uuid
     GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`,
    tenantId,
  );
}

/** `count` distinct-patient tokens in the period (the loaded calls carry no audit records to count them from). */
export async function addPatientTokens(prisma: PrismaService, tenantId: string, periodStart: Date, count: number): Promise<void> {
  await prisma.$executeRawUnsafe(
    `INSERT INTO "UsagePeriodPatient" ("tenantId", "periodStart", "patientToken", "firstSeenAt")
     SELECT $1::uuid, $2::timestamptz, encode(sha256(('bench-patient-' || i)::bytea), 'hex'), $2::timestamptz FROM generate_series(1, $3::int) AS i`,
    tenantId,
    periodStart,
    count,
  );
}
