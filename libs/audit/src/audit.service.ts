import { Injectable } from '@nestjs/common';
import { AuditRepository, type AuditEntryInput, type AuditRecord, type DbTransaction } from '@sb/db';
import { auditHash, verifyAuditChain, type ChainVerdict } from './audit-chain';

const VERIFY_PAGE = 1000;
const CHAIN_BATCH = 500;
export const CHAIN_TENANTS_PER_RUN = 100;

@Injectable()
export class AuditService {
  constructor(private readonly records: AuditRepository) {}

  /** Appends one record inside the caller's transaction; it is chained shortly after. */
  append(tx: DbTransaction, entry: AuditEntryInput): Promise<{ id: string }> {
    return this.records.append(tx, entry);
  }

  /** Links every pending record of a tenant into its chain. */
  async chain(tenantId: string): Promise<number> {
    let linked = 0;
    for (;;) {
      const n = await this.records.chainPending(tenantId, auditHash, CHAIN_BATCH);
      linked += n;
      if (n < CHAIN_BATCH) return linked;
    }
  }

  /**
   * Chains what is pending for up to {@link CHAIN_TENANTS_PER_RUN} tenants that have something pending (the
   * worker's loop); `more` when it reached that cap, so other tenants may be waiting.
   */
  async chainAll(): Promise<{ linked: number; more: boolean }> {
    const tenants = await this.records.tenantsWithPending(CHAIN_TENANTS_PER_RUN);
    let linked = 0;
    for (const tenantId of tenants) linked += await this.chain(tenantId);
    return { linked, more: tenants.length === CHAIN_TENANTS_PER_RUN };
  }

  /** A window of the chain, in order or newest first; what is pending is chained first, so readers see every record. */
  async list(tenantId: string, query: { afterSequence?: number; beforeSequence?: number; order?: 'asc' | 'desc'; limit: number }): Promise<AuditRecord[]> {
    await this.chain(tenantId);
    return this.records.list(tenantId, query);
  }

  /** Walks the tenant's whole chain page by page. */
  async verify(tenantId: string): Promise<ChainVerdict> {
    await this.chain(tenantId);
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
