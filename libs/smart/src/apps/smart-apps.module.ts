import { Module } from '@nestjs/common';
import { SmartAppsService } from './smart-apps.service';

/** The SMART app registry (the repository comes from the global DbModule, the config from ConfigModule). */
@Module({
  providers: [SmartAppsService],
  exports: [SmartAppsService],
})
export class SmartAppsModule {}
