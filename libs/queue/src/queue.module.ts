import { Global, Module } from '@nestjs/common';
import { QueueService } from './queue.service';
import { RedisService } from './redis.service';
import { WorkerHost } from './worker-host';

@Global()
@Module({ providers: [RedisService, QueueService, WorkerHost], exports: [RedisService, QueueService, WorkerHost] })
export class QueueModule {}
