import { Injectable, Logger } from '@nestjs/common';
import { AuditRepository, type AuditEntryInput, type AuditRecord, type DbTransaction } from '@sb/db';
import { auditHash, verifyAuditChain, type ChainVerdict } from './audit-chain';

const VERIFY_PAGE = 1000;
const CHAIN_BATCH = 500;
export const CHAIN_TENANTS_PER_RUN = 100;

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  /** Where the next round of {@link chainAll} goes on from (after a round that reached its cap), or from the start. */
  private resumeAfter: string | null = null;

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
   * worker's loop), in tenant id order from where the last round that reached that cap stopped: `more` then, and
   * the next round goes on from there, so a hundred busy tenants cannot keep the rest waiting. A tenant whose
   * chaining fails is logged and skipped until the next pass; the others are chained.
   */
  async chainAll(): Promise<{ linked: number; more: boolean }> {
    const tenants = await this.records.tenantsWithPending(CHAIN_TENANTS_PER_RUN, this.resumeAfter);
    let linked = 0;
    for (const tenantId of tenants) {
      try {
        linked += await this.chain(tenantId);
      } catch (error) {
        this.logger.error({ err: error, tenantId }, 'audit records of a tenant could not be chained');
      }
    }
    const more = tenants.length === CHAIN_TENANTS_PER_RUN;
    this.resumeAfter = more ? (tenants.at(-1) ?? null) : null;
    return { linked, more };
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
