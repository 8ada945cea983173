import { Module } from '@nestjs/common';
import { VaultModule } from '@sb/vault';
import { AthenaConnectionTest } from './athena-connection-test';
import { ConnectionKeysService } from './connection-keys.service';
import { ConnectionTestService } from './connection-test.service';
import { ConnectionService } from './connection.service';
import { SandboxProvisioner } from './sandbox-provisioner';

@Module({
  imports: [VaultModule],
  providers: [ConnectionService, ConnectionKeysService, ConnectionTestService, AthenaConnectionTest, SandboxProvisioner],
  exports: [ConnectionService, ConnectionKeysService, ConnectionTestService, SandboxProvisioner, VaultModule],
})
export class ConnectionsModule {}
