import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentActor, RequireScope } from '@sb/auth';
import type { Actor } from '@sb/core';
import { EventRepository } from '@sb/db';
import { EVENT_TYPES, isEventType } from '@sb/events';
import { ValidQuery, DocumentResponse } from '@sb/http';
import { z } from 'zod';
import { tenantOf } from './tenant-of';
import { dataOf, eventTypeSchema, feedPageSchema } from './response-schemas';
import { AdminAudited } from '../console/admin-audit.interceptor';

export const FEED_MAX_PAGE = 500;

const feedQuerySchema = z.strictObject({
  after: z.union([z.literal(''), z.string().regex(/^\d{1,19}$/, 'a cursor from a previous page')]).optional(),
  types: z
    .string()
    .transform((v) => v.split(',').filter(Boolean))
    .refine((types) => types.every(isEventType), 'every type must be in GET /v1/event-types')
    .optional(),
  limit: z.coerce.number().int().min(1).max(FEED_MAX_PAGE).default(100),
});

@ApiTags('events')
@ApiBearerAuth()
@AdminAudited()
@Controller('v1')
export class EventsController {
  constructor(private readonly events: EventRepository) {}

  @Get('event-types')
  @Authenticated()
  @ApiOperation({ summary: 'The event catalog: every type with its version and the JSON Schema of its data' })
  @DocumentResponse(dataOf(eventTypeSchema))
  eventTypes() {
    return { data: EVENT_TYPES };
  }

  @Get('events')
  @RequireScope({ admin: 'webhooks:read' })
  @ApiOperation({
    summary: 'Catch-up feed: the tenant’s events in commit order after a cursor — exactly the events webhooks carry (each `id` is the `webhook-id` of its deliveries)',
  })
  @DocumentResponse(feedPageSchema)
  async feed(@CurrentActor() actor: Actor, @ValidQuery(feedQuerySchema) query: z.infer<typeof feedQuerySchema>) {
    const after = query.after ? BigInt(query.after) : 0n;
    const rows = await this.events.feed(tenantOf(actor), { afterPosition: after, types: query.types?.length ? query.types : undefined, limit: query.limit });
    const last = rows.at(-1);
    // `next` is always given: poll it to wait for newer events.
    return { data: rows.map(({ position: _p, ...event }) => event), next: (last ? last.position : after).toString() };
  }
}
