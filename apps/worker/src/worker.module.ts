import { Module } from '@nestjs/common';
import { ConfigModule } from '@sb/config';
import { DbModule } from '@sb/db';
import { QueueModule } from '@sb/queue';
import { WorkerJobHandlers } from './job-handlers';

@Module({
  imports: [ConfigModule, DbModule, QueueModule],
  providers: [WorkerJobHandlers],
})
export class WorkerModule {}
