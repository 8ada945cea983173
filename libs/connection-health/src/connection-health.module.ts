import { Module } from '@nestjs/common';
import { AdaptersModule } from '@sb/adapters';
import { VaultModule } from '@sb/vault';
import { EventsModule } from '@sb/events';
import { HealthAlertsModule } from './alerts/health-alerts.module';
import { ConnectionHealthMonitor } from './connection-health.monitor';
import { HealthProbe } from './health-probe';

@Module({ imports: [AdaptersModule, VaultModule, EventsModule, HealthAlertsModule], providers: [HealthProbe, ConnectionHealthMonitor], exports: [ConnectionHealthMonitor] })
export class ConnectionHealthModule {}
