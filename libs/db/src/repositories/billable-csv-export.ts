import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { ErrorCode, SbError } from '@sb/core';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';

/** Detail exports one process streams at once: each holds a Postgres connection of its own for as long as its client reads. */
export const MAX_CONCURRENT_EXPORTS = 4;
const EXPORTS_BUSY_RETRY_SECONDS = 10;

/** `PGCOPY\n\377\r\n\0`, then 32-bit flags and the header extension's length. */
const COPY_SIGNATURE_BYTES = 11;
const COPY_HEADER_BYTES = COPY_SIGNATURE_BYTES + 8;

/**
 * Unwraps a binary COPY of one text column into the column values' bytes, back to back: each
 * value is already a CSV line, so this is all the per-row work Node does. Binary, not text or
 * CSV COPY: those would escape the CRLF and quotes the lines carry.
 */
export class CopyBinaryTextValues extends Transform {
  private pending: Buffer = Buffer.alloc(0);
  private headerSkipped = false;
  private ended = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let pos = 0;
    if (!this.headerSkipped) {
      if (buf.length < COPY_HEADER_BYTES) return this.keep(buf, 0, done);
      const extension = buf.readUInt32BE(COPY_SIGNATURE_BYTES + 4);
      if (buf.length < COPY_HEADER_BYTES + extension) return this.keep(buf, 0, done);
      pos = COPY_HEADER_BYTES + extension;
      this.headerSkipped = true;
    }
    const values: Buffer[] = [];
    while (!this.ended && buf.length - pos >= 2) {
      const fields = buf.readInt16BE(pos);
      if (fields === -1) {
        this.ended = true; // the trailer
        break;
      }
      if (fields !== 1) return done(new Error(`expected one column per COPY row, got ${fields}`));
      if (buf.length - pos < 6) break;
      const length = buf.readInt32BE(pos + 2);
      const size = 6 + Math.max(length, 0);
      if (buf.length - pos < size) break;
      if (length > 0) values.push(buf.subarray(pos + 6, pos + size));
      pos += size;
    }
    if (values.length > 0) this.push(Buffer.concat(values));
    this.keep(buf, pos, done);
  }

  private keep(buf: Buffer, from: number, done: TransformCallback): void {
    this.pending = Buffer.from(buf.subarray(from));
    done();
  }
}

/** A column as one CSV field: quoted (inner quotes doubled) when it holds a comma, quote, CR or LF. */
const csvQuoted = (column: string) => `CASE WHEN strpos(${column}, ',') + strpos(${column}, '"') + strpos(${column}, E'\\n') + strpos(${column}, E'\\r') = 0
  THEN ${column} ELSE '"' || replace(${column}, '"', '""') || '"' END`;

/**
 * The detail export's rows straight from Postgres: one `COPY … TO STDOUT` on a connection of its
 * own, streamed with backpressure, so memory stays at a few socket buffers whatever the size of
 * the export and Node does no per-row work beyond unwrapping the COPY framing.
 */
@Injectable()
export class BillableCsvExport {
  private running = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /**
   * The tenant's billable transactions in [from, to), ordered by commit time then id, as CSV
   * lines ending in CRLF: transaction id, commit time as the wall clock of `timezone` with its
   * offset (`2026-03-08T01:59:59.999-05:00`), connection id, the connection's name as given in
   * `connectionNames` (already a CSV field), class, operation, resource type, environment,
   * units. One REPEATABLE READ snapshot; the connection closes when the stream ends or is destroyed.
   * Beyond {@link MAX_CONCURRENT_EXPORTS} running, 429 `rate_limited` (nothing is opened).
   */
  async stream(tenantId: string, q: { from: Date; to: Date; timezone: string; connectionNames: ReadonlyMap<string, string> }): Promise<Readable> {
    if (this.running >= MAX_CONCURRENT_EXPORTS) {
      throw new SbError(ErrorCode.RateLimited, 'Too many detail exports are running; retry shortly', {
        details: { reason: 'exports_busy', retryAfterSeconds: EXPORTS_BUSY_RETRY_SECONDS },
      });
    }
    this.running += 1;
    let released = false;
    const release = () => {
      if (!released) this.running -= 1;
      released = true;
    };
    const client = new Client({ connectionString: this.config.databaseUrl });
    client.on('error', () => undefined); // a dropped connection surfaces as the stream's error
    try {
      await client.connect();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      // Inside this transaction to_char renders times in the export's zone; instants go in with their Z.
      await client.query(`SELECT set_config('TimeZone', $1, true)`, [q.timezone]);
      await client.query(`CREATE TEMP TABLE sb_export_names ("id" uuid PRIMARY KEY, "name" text NOT NULL) ON COMMIT DROP`);
      await client.query(`INSERT INTO sb_export_names SELECT * FROM unnest($1::uuid[], $2::text[])`, [[...q.connectionNames.keys()], [...q.connectionNames.values()]]);
      const literal = (value: string) => client.escapeLiteral(value);
      const copy = client.query(
        copyTo(`COPY (
          SELECT e."transactionId"::text || ',' || to_char(e."occurredAt", 'YYYY-MM-DD"T"HH24:MI:SS.MSTZH:TZM') || ',' || e."connectionId"::text || ',' ||
                 COALESCE(n."name", '') || ',' || COALESCE(e."class", '') || ',' || ${csvQuoted('e."operation"')} || ',' ||
                 ${csvQuoted('e."resourceType"')} || ',' || e."environment"::text || ',' || e."units"::text || E'\\r\\n'
          FROM "UsageEvent" e LEFT JOIN sb_export_names n ON n."id" = e."connectionId"
          WHERE e."tenantId" = ${literal(tenantId)}::uuid AND e."billable"
            AND e."occurredAt" >= ${literal(q.from.toISOString())}::timestamptz AND e."occurredAt" < ${literal(q.to.toISOString())}::timestamptz
          ORDER BY e."occurredAt", e."id"
        ) TO STDOUT (FORMAT binary)`),
      );
      return pipeline(copy, new CopyBinaryTextValues(), () => {
        release();
        void client.end().catch(() => undefined);
      });
    } catch (error) {
      release();
      await client.end().catch(() => undefined);
      throw error;
    }
  }
}
