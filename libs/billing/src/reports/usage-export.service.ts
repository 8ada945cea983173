import { Injectable } from '@nestjs/common';
import { AuditService } from '@sb/audit';
import type { Actor } from '@sb/core';
import { BillableCsvExport, Database, UsageReportRepository } from '@sb/db';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BillingSummaryExport, csvField } from '../invoices/billing-summary-export';
import { UsageQueryService } from './usage-query.service';

/** The detail export's columns, in order. No patient data: transactions are named by id only. */
export const DETAIL_EXPORT_COLUMNS = ['transaction_id', 'time', 'connection_id', 'connection_name', 'class', 'operation', 'resource_type', 'environment', 'units'] as const;

export type UsageExportKind = 'detail' | 'summary';

/** A CSV export ready to send: its file name and its body, produced as the client reads it. */
export interface UsageExport {
  filename: string;
  body: Readable;
}

/**
 * A name a person typed, safe to open in a spreadsheet: one that would start a formula
 * (`=`, `+`, `-`, `@`, tab, CR) gets a leading apostrophe (OWASP's CSV injection advice).
 */
export function spreadsheetSafe(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const compact = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/**
 * The CSV exports of usage. `detail`: one row per billable transaction in [from, to), times in
 * the tenant's billing timezone with their offset, ordered by commit time then id, streamed from
 * one Postgres COPY as the client reads them (memory stays flat whatever the size of the export). `summary`: the billing summary per period and price component (see
 * {@link BillingSummaryExport}). Each export is an audit record (`billing.export`) in the
 * tenant's chain.
 */
@Injectable()
export class UsageExportService {
  constructor(
    private readonly reports: UsageReportRepository,
    private readonly rows: BillableCsvExport,
    private readonly usage: UsageQueryService,
    private readonly summaries: BillingSummaryExport,
    private readonly db: Database,
    private readonly audit: AuditService,
  ) {}

  async export(actor: Actor, tenantId: string, query: { kind: UsageExportKind; from: Date; to: Date }): Promise<UsageExport> {
    const filename = `usage-${query.kind}-${compact(query.from)}-${compact(query.to)}.csv`;
    if (query.kind === 'summary') {
      const csv = await this.summaries.csv(tenantId, { from: query.from, to: query.to });
      await this.record(actor, tenantId, query);
      return { filename, body: Readable.from([csv]) };
    }
    const [timezone, names] = await Promise.all([this.usage.billingTimezone(tenantId), this.reports.connectionNames(tenantId)]);
    const connectionNames = new Map([...names].map(([id, name]) => [id, csvField(spreadsheetSafe(name))]));
    // Opened before it is audited: an export refused as busy is no export.
    const lines = await this.rows.stream(tenantId, { from: query.from, to: query.to, timezone, connectionNames });
    try {
      await this.record(actor, tenantId, query);
    } catch (error) {
      lines.destroy();
      throw error;
    }
    const header = DETAIL_EXPORT_COLUMNS.join(',') + '\r\n';
    return { filename, body: Readable.from(withHeader(header, lines), { objectMode: false }) };
  }

  private async record(actor: Actor, tenantId: string, query: { kind: UsageExportKind; from: Date; to: Date }): Promise<void> {
    await this.db.transaction((tx) =>
      this.audit.append(tx, {
        tenantId,
        transactionId: randomUUID(),
        connectionId: null,
        actorType: actor.type,
        actorId: actor.id,
        operation: 'billing.export',
        resourceType: 'billing',
        patientRef: null,
        purpose: 'billing',
        objectRef: `billing/exports/${query.kind}?from=${query.from.toISOString()}&to=${query.to.toISOString()}`,
        outcome: 'success',
        occurredAt: new Date(),
      }),
    );
  }
}

async function* withHeader(header: string, lines: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield Buffer.from(header, 'utf8');
  yield* lines;
}
