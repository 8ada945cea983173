import { Injectable } from '@nestjs/common';
import { EventRepository, type AnyTransaction, type NewEvent } from '@sb/db';
import { eventTypeDefinition } from './event-catalog';

export type EventInput = Omit<NewEvent, 'version'>;

/** Appends events to the outbox inside the caller's transaction, stamped with their catalog version. */
@Injectable()
export class EventWriter {
  constructor(private readonly events: EventRepository) {}

  append(tx: AnyTransaction, events: readonly EventInput[]): Promise<string[]> {
    return this.events.append(
      tx,
      events.map((e) => {
        const definition = eventTypeDefinition(e.type);
        if (!definition) throw new Error(`unknown event type ${e.type}`);
        return { ...e, version: definition.version };
      }),
    );
  }
}
