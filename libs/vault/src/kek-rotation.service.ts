import { Inject, Injectable } from '@nestjs/common';
import { SecretRepository, type Rewrap } from '@sb/db';
import type { KmsProvider } from './kms/kms-provider';
import { KMS_PROVIDER } from './vault.constants';

export interface RotationProgress {
  rewrapped: number;
  failed: number;
  total: number;
}

export interface RotationReport extends RotationProgress {
  kek: { provider: string; id: string; version: string };
  /** Versions still wrapped under other KEKs per KEK: an old KEK can be retired when its count is 0. */
  remainingByKek: { kmsProvider: string; kekId: string; kekVersion: string; count: number }[];
}

/** Rows re-wrapped per database transaction; a crash loses at most this batch's work. */
export const REWRAP_BATCH_SIZE = 200;

/**
 * Re-wraps every data key under the primary KEK without touching ciphertexts.
 * Resumable by construction: each run works on the rows not yet under the primary
 * KEK, so an interrupted run is finished by running it again.
 */
@Injectable()
export class KekRotationService {
  constructor(
    @Inject(KMS_PROVIDER) private readonly kms: KmsProvider,
    private readonly secrets: SecretRepository,
  ) {}

  async rotate(onProgress: (p: RotationProgress) => void = () => undefined, batchSize = REWRAP_BATCH_SIZE): Promise<RotationReport> {
    const kek = await this.kms.primaryKek();
    const total = await this.secrets.countNotWrappedUnder(this.kms.name, kek.id, kek.version);
    const progress: RotationProgress = { rewrapped: 0, failed: 0, total };
    onProgress({ ...progress });
    let afterId: string | undefined;
    for (;;) {
      const batch = await this.secrets.findNotWrappedUnder(this.kms.name, kek.id, kek.version, batchSize, afterId);
      if (batch.length === 0) break;
      afterId = batch.at(-1)?.id;
      const rewraps: Rewrap[] = [];
      for (const row of batch) {
        const context = { tenantId: row.tenantId, connectionId: row.connectionId, secretName: row.name, version: row.version };
        let dataKey: Buffer | undefined;
        try {
          dataKey = await this.kms.unwrap({ kek: { id: row.kekId, version: row.kekVersion }, ciphertext: row.wrappedKey }, context);
          const wrapped = await this.kms.wrap(dataKey, context);
          rewraps.push({ id: row.id, fromKekId: row.kekId, fromKekVersion: row.kekVersion, wrappedKey: wrapped.ciphertext, kekId: wrapped.kek.id, kekVersion: wrapped.kek.version });
        } catch {
          // A key that cannot be unwrapped (retired KEK, tampered row) is reported, not retried forever.
          progress.failed += 1;
        } finally {
          dataKey?.fill(0);
        }
      }
      progress.rewrapped += await this.secrets.applyRewraps(this.kms.name, rewraps);
      onProgress({ ...progress });
    }
    return {
      ...progress,
      kek: { provider: this.kms.name, id: kek.id, version: kek.version },
      remainingByKek: (await this.secrets.countByKek()).filter(
        (g) => g.kmsProvider !== this.kms.name || g.kekId !== kek.id || g.kekVersion !== kek.version,
      ),
    };
  }
}
