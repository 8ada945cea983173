import { Module } from '@nestjs/common';
import { ConfigModule } from '@sb/config';
import { DbModule } from '@sb/db';
import { InboundHandler } from './inbound-handler';

@Module({ imports: [ConfigModule, DbModule], providers: [InboundHandler], exports: [InboundHandler] })
export class MllpModule {}
