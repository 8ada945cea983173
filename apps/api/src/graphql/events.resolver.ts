import { Args, Field, ID, Int, ObjectType, Query, Resolver } from '@nestjs/graphql';
import { CurrentActor, RequireScope } from '@sb/auth';
import { ErrorCode, SbError, type Actor } from '@sb/core';
import { EventRepository } from '@sb/db';
import { isEventType } from '@sb/events';
import { tenantOf } from '../admin/tenant-of';
import { FEED_MAX_PAGE } from '../admin/events.controller';
import { JSONObjectScalar } from './json.scalar';

@ObjectType('Event', { description: 'An event as webhooks carry it; `id` is the `webhook-id` of its deliveries' })
export class EventModel {
  @Field(() => ID) id!: string;
  @Field() type!: string;
  @Field(() => Int) version!: number;
  @Field() timestamp!: Date;
  @Field(() => String, { nullable: true }) connectionId!: string | null;
  @Field(() => JSONObjectScalar, { description: 'References and the minimum needed (no PHI beyond ids)' }) data!: Record<string, unknown>;
}

@ObjectType('EventPage')
export class EventPageModel {
  @Field(() => [EventModel]) nodes!: EventModel[];
  @Field({ description: 'Pass as `after` for the next page; always given, so it can be polled' }) next!: string;
}

@Resolver(() => EventModel)
export class EventsResolver {
  constructor(private readonly outbox: EventRepository) {}

  @Query(() => EventPageModel, { description: 'The catch-up feed: the tenant’s events in commit order after a cursor' })
  @RequireScope({ admin: 'webhooks:read' })
  async events(
    @CurrentActor() actor: Actor,
    @Args('after', { type: () => String, nullable: true }) after: string | null,
    @Args('types', { type: () => [String], nullable: true }) types: string[] | null,
    @Args('first', { type: () => Int, nullable: true, defaultValue: 100 }) first: number,
  ): Promise<EventPageModel> {
    if (after && !/^\d{1,19}$/.test(after)) throw new SbError(ErrorCode.ValidationFailed, 'Invalid arguments', { issues: [{ path: 'after', message: 'a cursor from a previous page' }] });
    if (types?.some((t) => !isEventType(t))) throw new SbError(ErrorCode.ValidationFailed, 'Invalid arguments', { issues: [{ path: 'types', message: 'every type must be in the catalog' }] });
    if (first < 1 || first > FEED_MAX_PAGE) throw new SbError(ErrorCode.ValidationFailed, 'Invalid arguments', { issues: [{ path: 'first', message: `1 to ${FEED_MAX_PAGE}` }] });
    const position = after ? BigInt(after) : 0n;
    const rows = await this.outbox.feed(tenantOf(actor), { afterPosition: position, types: types?.length ? types : undefined, limit: first });
    const last = rows.at(-1);
    return {
      nodes: rows.map((r) => ({ id: r.id, type: r.type, version: r.version, timestamp: r.timestamp, connectionId: r.connectionId, data: r.data as Record<string, unknown> })),
      next: (last ? last.position : position).toString(),
    };
  }
}
