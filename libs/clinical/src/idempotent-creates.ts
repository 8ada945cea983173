import { Injectable } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import { IdempotencyRepository, type DbTransaction } from '@sb/db';
import { TransactionPipeline } from '@sb/transactions';
import { createHash } from 'node:crypto';
import { patientRefOf } from './patient-ref';

export interface IdempotentRequest {
  tenantId: string;
  connectionId: string;
  key: string | undefined;
  request: unknown;
  /** Who makes the call, and the type it creates: a replay is metered (and authorized) as a duplicate create of that type. */
  actor: Actor;
  resourceType: string;
}

interface CreateAnswer {
  id: string;
  resource: Resource | null;
  replayed: boolean;
}

type Persist = (tx: DbTransaction, result: { id: string; resource: Resource | null }) => Promise<void>;

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` for creates: the key is claimed before the EHR is called, the
 * answer is stored in the same transaction as the call's usage and audit rows, and
 * a repeat gets the stored answer. A repeat with a different body is refused, one
 * that arrives while the first is still running is told to retry. A replay is a call of
 * its own: counted as duplicate usage (never billable) with its audit record, naming the
 * patient whose data the stored answer discloses.
 */
@Injectable()
export class IdempotentCreates {
  constructor(
    private readonly records: IdempotencyRepository,
    private readonly pipeline: TransactionPipeline,
  ) {}

  async run(req: IdempotentRequest, create: (persist?: Persist) => Promise<CreateAnswer>): Promise<CreateAnswer> {
    if (req.key === undefined) return create();
    if (!KEY.test(req.key)) {
      throw new SbError(ErrorCode.ValidationFailed, 'Invalid Idempotency-Key', { issues: [{ path: 'Idempotency-Key', message: '1–255 visible ASCII characters' }] });
    }
    const key = req.key;
    const requestHash = createHash('sha256').update(JSON.stringify(req.request)).digest('hex');
    const claim = await this.records.claim(req.tenantId, req.connectionId, key, requestHash);
    if (!claim.claimed) {
      const existing = claim.existing;
      if (existing.requestHash !== requestHash) throw new SbError(ErrorCode.Conflict, 'Idempotency-Key was used for a different request');
      if (!existing.completedAt) throw new SbError(ErrorCode.Conflict, 'A request with this Idempotency-Key is still in progress', { details: { retryAfterSeconds: 1 } });
      const stored = existing.responseBody as { id: string; resource: Resource | null };
      const patientRef = patientRefOf(stored.resource);
      await this.pipeline.recordDuplicate(
        { tenantId: req.tenantId, connectionId: req.connectionId, operation: 'create', resourceType: req.resourceType, actor: req.actor },
        patientRef ? [patientRef] : [],
      );
      return { id: stored.id, resource: stored.resource, replayed: true };
    }
    try {
      return await create((tx, result) =>
        this.records.complete(tx, req.tenantId, req.connectionId, key, { status: 201, body: { id: result.id, resource: result.resource }, location: null }),
      );
    } catch (e) {
      // Released so the client can retry with the key. When the database is what failed, releasing fails
      // too: the client gets the original error, and the claim is taken over once stale (IDEMPOTENCY_CLAIM_STALE_MS).
      await this.records.release(req.tenantId, req.connectionId, key).catch(() => undefined);
      throw e;
    }
  }
}
