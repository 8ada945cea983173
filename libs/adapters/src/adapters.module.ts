import { Module } from '@nestjs/common';
import { QueueModule } from '@sb/queue';
import { AdapterRuntime } from './adapter-runtime';

/** Adapters need Redis for the request budgets every process shares (QueueModule provides RedisService). */
@Module({ imports: [QueueModule], providers: [AdapterRuntime], exports: [AdapterRuntime] })
export class AdaptersModule {}
