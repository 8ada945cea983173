import type { AuditEntryInput, AuditRecord } from '@sb/db';
import { auditHash, verifyAuditChain } from './audit-chain';

const GENESIS = '0'.repeat(64);

function chain(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  let prev = GENESIS;
  for (let i = 1; i <= n; i++) {
    const entry: AuditEntryInput = {
      tenantId: 't1',
      transactionId: `tx${i}`,
      connectionId: 'c1',
      actorType: 'api-key',
      actorId: 'k1',
      operation: 'read',
      resourceType: 'Patient',
      patientRef: `Patient/${i}`,
      purpose: null,
      outcome: 'success',
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    };
    const hash = auditHash(prev, i, entry);
    out.push({ ...entry, id: `r${i}`, sequence: i, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

describe('verifyAuditChain', () => {
  it('accepts an untouched chain', () => {
    expect(verifyAuditChain(chain(5))).toEqual({ ok: true, checked: 5 });
  });

  it('detects an edited record', () => {
    const records = chain(5);
    records[2] = { ...records[2]!, patientRef: 'Patient/999' };
    expect(verifyAuditChain(records)).toEqual({ ok: false, brokenAtSequence: 3 });
  });

  it('detects a removed record', () => {
    const records = chain(5);
    records.splice(1, 1);
    expect(verifyAuditChain(records)).toEqual({ ok: false, brokenAtSequence: 3 });
  });

  it('detects a record whose hash was recomputed after an edit (the next link breaks)', () => {
    const records = chain(4);
    const edited = { ...records[1]!, outcome: 'error' as const };
    records[1] = { ...edited, hash: auditHash(edited.prevHash, edited.sequence, edited) };
    expect(verifyAuditChain(records)).toEqual({ ok: false, brokenAtSequence: 3 });
  });
});
