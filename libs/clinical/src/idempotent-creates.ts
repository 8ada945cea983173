import { Injectable } from '@nestjs/common';
import type { Resource } from '@medplum/fhirtypes';
import { ErrorCode, SbError } from '@sb/core';
import { IdempotencyRepository, type DbTransaction } from '@sb/db';
import { createHash } from 'node:crypto';

export interface IdempotentRequest {
  tenantId: string;
  connectionId: string;
  key: string | undefined;
  request: unknown;
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
 * that arrives while the first is still running is told to retry.
 */
@Injectable()
export class IdempotentCreates {
  constructor(private readonly records: IdempotencyRepository) {}

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
      return { id: stored.id, resource: stored.resource, replayed: true };
    }
    try {
      return await create((tx, result) =>
        this.records.complete(tx, req.tenantId, req.connectionId, key, { status: 201, body: { id: result.id, resource: result.resource }, location: null }),
      );
    } catch (e) {
      await this.records.release(req.tenantId, req.connectionId, key);
      throw e;
    }
  }
}
