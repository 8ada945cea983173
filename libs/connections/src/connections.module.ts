import { Module } from '@nestjs/common';
import { VaultModule } from '@sb/vault';
import { ConnectionKeysService } from './connection-keys.service';
import { ConnectionTestService } from './connection-test.service';
import { ConnectionService } from './connection.service';

@Module({
  imports: [VaultModule],
  providers: [ConnectionService, ConnectionKeysService, ConnectionTestService],
  exports: [ConnectionService, ConnectionKeysService, ConnectionTestService, VaultModule],
})
export class ConnectionsModule {}
