import { Module } from '@nestjs/common';
import { ConfigModule } from '@sb/config';
import { DbModule } from '@sb/db';
import { RedisService } from '@sb/queue';
import { TransactionsModule } from '@sb/transactions';
import { ApplicationAckRelay } from './application-ack-relay';
import { InboundHandler } from './inbound-handler';

@Module({ imports: [ConfigModule, DbModule, TransactionsModule], providers: [RedisService, ApplicationAckRelay, InboundHandler], exports: [InboundHandler, ApplicationAckRelay] })
export class MllpModule {}
