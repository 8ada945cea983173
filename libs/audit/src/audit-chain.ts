import { createHash } from 'node:crypto';
import { GENESIS_HASH, type AuditEntryInput, type AuditRecord } from '@sb/db';

/**
 * Field order is part of the format: changing it would break every stored chain.
 * `objectRef` came later and is appended only when set, so older records hash as before.
 */
const canonical = (sequence: number, e: AuditEntryInput): string =>
  JSON.stringify([
    e.tenantId,
    sequence,
    e.transactionId,
    e.connectionId,
    e.actorType,
    e.actorId,
    e.operation,
    e.resourceType,
    e.patientRef,
    e.purpose,
    e.outcome,
    e.occurredAt.toISOString(),
    ...(e.objectRef ? [e.objectRef] : []),
  ]);

/** hash = SHA-256(prevHash ‖ canonical record), hex. */
export const auditHash = (prevHash: string, sequence: number, entry: AuditEntryInput): string =>
  createHash('sha256').update(prevHash).update(canonical(sequence, entry)).digest('hex');

export type ChainVerdict = { ok: true; checked: number } | { ok: false; brokenAtSequence: number };

/** Recomputes a run of consecutive records and reports the first that does not link or hash. */
export function verifyAuditChain(records: readonly AuditRecord[], prevHash = GENESIS_HASH, prevSequence = 0): ChainVerdict {
  let expectedPrev = prevHash;
  let expectedSequence = prevSequence + 1;
  for (const r of records) {
    if (r.sequence !== expectedSequence || r.prevHash !== expectedPrev || r.hash !== auditHash(r.prevHash, r.sequence, r)) {
      return { ok: false, brokenAtSequence: r.sequence };
    }
    expectedPrev = r.hash;
    expectedSequence += 1;
  }
  return { ok: true, checked: records.length };
}
