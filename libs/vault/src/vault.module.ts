import { Module } from '@nestjs/common';
import { AuditModule } from '@sb/audit';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { KekRotationService } from './kek-rotation.service';
import { createKmsProvider } from './kms';
import { KMS_PROVIDER } from './vault.constants';
import { VaultService } from './vault.service';

@Module({
  imports: [AuditModule],
  providers: [
    { provide: KMS_PROVIDER, inject: [APP_CONFIG], useFactory: (config: AppConfig) => createKmsProvider(config.kms) },
    VaultService,
    KekRotationService,
  ],
  exports: [VaultService, KekRotationService, KMS_PROVIDER],
})
export class VaultModule {}
