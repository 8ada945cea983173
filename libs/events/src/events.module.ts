import { Module } from '@nestjs/common';
import { EventWriter } from './event-writer';

@Module({ providers: [EventWriter], exports: [EventWriter] })
export class EventsModule {}
