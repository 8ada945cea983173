import { Injectable } from '@nestjs/common';
import { AuditRepository, type AuditEntryInput, type AuditRecord, type DbTransaction } from '@sb/db';
import { auditHash, verifyAuditChain, type ChainVerdict } from './audit-chain';

const VERIFY_PAGE = 1000;

@Injectable()
export class AuditService {
  constructor(private readonly records: AuditRepository) {}

  /** Appends one record inside the caller's transaction. */
  append(tx: DbTransaction, entry: AuditEntryInput): Promise<AuditRecord> {
    return this.records.append(tx, entry, auditHash);
  }

  list(tenantId: string, query: { afterSequence?: number; limit: number }): Promise<AuditRecord[]> {
    return this.records.list(tenantId, query);
  }

  /** Walks the tenant's whole chain page by page. */
  async verify(tenantId: string): Promise<ChainVerdict> {
    let checked = 0;
    let prev: AuditRecord | undefined;
    for (;;) {
      const page = await this.records.list(tenantId, { afterSequence: prev?.sequence ?? 0, limit: VERIFY_PAGE });
      const verdict = verifyAuditChain(page, prev?.hash, prev?.sequence);
      if (!verdict.ok) return verdict;
      checked += verdict.checked;
      if (page.length < VERIFY_PAGE) return { ok: true, checked };
      prev = page.at(-1);
    }
  }
}
