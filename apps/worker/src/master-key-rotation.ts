import { Injectable, Module } from '@nestjs/common';
import { GatewayKeyService, type ResealReport } from '@sb/auth';
import { KekRotationService, VaultModule, type RotationProgress, type RotationReport } from '@sb/vault';
import { WebhookEndpointService, WebhookEndpointsModule } from '@sb/webhooks';

export interface MasterKeyRotationReport extends RotationReport {
  /** What the master key seals directly (not through the vault's data keys), sealed again under the current one. */
  resealed: { signingKeys: ResealReport; webhookSecrets: ResealReport };
}

/**
 * A KEK rotation, as `npm run vault:rotate` and the worker's job run it: every secret's
 * data key re-wrapped under the primary KEK, then the values the master key seals
 * directly — the gateway's signing keys and webhook endpoint secrets — sealed again
 * under the current master key (they open with SB_VAULT_PREVIOUS_MASTER_KEYS until then).
 */
@Injectable()
export class MasterKeyRotation {
  constructor(
    private readonly kek: KekRotationService,
    private readonly signingKeys: GatewayKeyService,
    private readonly webhookEndpoints: WebhookEndpointService,
  ) {}

  async run(onProgress?: (p: RotationProgress) => void): Promise<MasterKeyRotationReport> {
    const report = await this.kek.rotate(onProgress);
    return { ...report, resealed: { signingKeys: await this.signingKeys.resealKeys(), webhookSecrets: await this.webhookEndpoints.resealSecrets() } };
  }
}

/** Needs ConfigModule and DbModule beside it. */
@Module({
  imports: [VaultModule, WebhookEndpointsModule],
  providers: [GatewayKeyService, MasterKeyRotation],
  exports: [MasterKeyRotation],
})
export class MasterKeyRotationModule {}
