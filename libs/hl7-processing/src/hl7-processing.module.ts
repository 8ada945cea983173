import { Module } from '@nestjs/common';
import { EventsModule } from '@sb/events';
import { TransactionsModule } from '@sb/transactions';
import { VaultModule } from '@sb/vault';
import { ApplicationAckPublisher } from './application-ack.publisher';
import { Hl7WorkerLoops } from './hl7-worker-loops';
import { Hl7InboundProcessor } from './inbound-processor';
import { Hl7MessageLogService } from './message-log.service';
import { Hl7OutboundDispatcher } from './outbound-dispatcher';
import { Hl7PreviewService } from './preview.service';

const providers = [ApplicationAckPublisher, Hl7InboundProcessor, Hl7OutboundDispatcher, Hl7WorkerLoops, Hl7PreviewService, Hl7MessageLogService];

@Module({ imports: [TransactionsModule, EventsModule, VaultModule], providers, exports: providers })
export class Hl7ProcessingModule {}
