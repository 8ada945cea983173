import { Args, Field, ID, Int, ObjectType, Query, registerEnumType, Resolver } from '@nestjs/graphql';
import { CurrentActor, RequireScope } from '@sb/auth';
import { DEFAULT_USAGE_LIMIT, MAX_USAGE_LIMIT, UsageQueryService, usageQuerySchema, UsageTenantResolver, type UsageRow } from '@sb/billing';
import type { Actor } from '@sb/core';
import { USAGE_DIMENSIONS, type UsageDimension } from '@sb/db';
import { ZodPipe } from '@sb/http';

const UsageDimensionEnum = Object.fromEntries(USAGE_DIMENSIONS.map((d) => [d, d])) as { [K in UsageDimension]: K };
registerEnumType(UsageDimensionEnum, { name: 'UsageDimension', description: 'A dimension usage can be grouped by' });

@ObjectType('UsageRow', { description: 'One window × one combination of the grouped dimensions; dimensions not grouped by are null' })
export class UsageRowModel {
  @Field({ description: 'Window start (inclusive), clipped to the range' }) start!: Date;
  @Field({ description: 'Window end (exclusive), clipped to the range' }) end!: Date;
  @Field(() => ID, { nullable: true }) connectionId!: string | null;
  @Field(() => String, { nullable: true, description: 'The connection’s current name, when grouped by connection' }) connectionName!: string | null;
  @Field(() => String, { nullable: true }) vendor!: string | null;
  @Field(() => String, { nullable: true, description: 'As usage events name it: read, search, create, message.in, …' }) operation!: string | null;
  @Field(() => String, { nullable: true }) resourceType!: string | null;
  @Field(() => String, { nullable: true, description: 'Billable class (fhir.read, hl7.in, …); null when not grouped by class or for traffic no class covers' }) class!: string | null;
  @Field(() => String, { nullable: true }) environment!: string | null;
  @Field(() => String, { nullable: true }) outcome!: string | null;
  @Field(() => Boolean, { nullable: true }) billable!: boolean | null;
  @Field(() => Int, { description: 'Transactions' }) count!: number;
  @Field(() => Int, { description: 'Units (1 per transaction; a bulk export counts its resources)' }) units!: number;
}

@ObjectType('UsagePage')
export class UsagePageModel {
  @Field(() => [UsageRowModel], { description: 'Windows in time order; windows without transactions are left out' }) data!: UsageRowModel[];
  @Field(() => String, { nullable: true, description: 'Pass as `after` (with the same arguments) for the next page; null on the last page' }) next!: string | null;
  @Field({ description: 'Every transaction committed before this instant is counted' }) dataRefreshedAt!: Date;
  @Field({ description: 'The IANA zone the windows were cut in' }) timezone!: string;
  @Field() window!: string;
  @Field({ description: 'The range counted: the arguments’, widened to 15-minute boundaries' }) from!: Date;
  @Field() to!: Date;
}

const usageArgs = new ZodPipe(usageQuerySchema);

const rowModel = (r: UsageRow): UsageRowModel => ({
  start: r.start,
  end: r.end,
  connectionId: r.connectionId ?? null,
  connectionName: r.connectionName ?? null,
  vendor: r.vendor ?? null,
  operation: r.operation ?? null,
  resourceType: r.resourceType ?? null,
  class: r.class ?? null,
  environment: r.environment ?? null,
  outcome: r.outcome ?? null,
  billable: r.billable ?? null,
  count: r.count,
  units: r.units,
});

/** `GET /v1/usage` over GraphQL: same service, validation, cursors and errors. */
@Resolver(() => UsagePageModel)
export class UsageResolver {
  constructor(
    private readonly usage: UsageQueryService,
    private readonly tenants: UsageTenantResolver,
  ) {}

  @Query(() => UsagePageModel, {
    name: 'usage',
    complexity: 10,
    description:
      'Usage over time from the rollups: windows (`15m`, `hour`, `day`, `week` = ISO week from Monday, `month`) cut in `timezone` (default: the tenant’s billing timezone, else UTC), ' +
      'grouped by the given dimensions. The operator names the tenant with `tenantId`.',
  })
  @RequireScope({ admin: 'usage:read' }, { operator: true })
  async query(
    @CurrentActor() actor: Actor,
    @Args('from', { description: 'ISO 8601 instant with offset' }) from: string,
    @Args('to', { description: 'ISO 8601 instant with offset (exclusive)' }) to: string,
    @Args('window', { type: () => String, nullable: true, description: '15m, hour, day (default), week or month' }) window: string | null,
    @Args('groupBy', { type: () => [UsageDimensionEnum], nullable: true }) groupBy: UsageDimension[] | null,
    @Args('timezone', { type: () => String, nullable: true, description: 'IANA zone, e.g. America/New_York' }) timezone: string | null,
    @Args('first', { type: () => Int, nullable: true, description: `Rows per page, 1 to ${MAX_USAGE_LIMIT} (default ${DEFAULT_USAGE_LIMIT})` }) first: number | null,
    @Args('after', { type: () => String, nullable: true, description: '`next` of the previous page' }) after: string | null,
    @Args('tenantId', { type: () => ID, nullable: true, description: 'The operator’s choice of tenant; a tenant credential reads its own' }) tenantId: string | null,
  ): Promise<UsagePageModel> {
    const { tenantId: named, ...query } = usageArgs.transform({
      from,
      to,
      ...(window !== null ? { window } : {}),
      ...(groupBy !== null ? { groupBy } : {}),
      ...(timezone !== null ? { timezone } : {}),
      ...(first !== null ? { limit: first } : {}),
      ...(after !== null ? { cursor: after } : {}),
      ...(tenantId !== null ? { tenantId } : {}),
    });
    const page = await this.usage.query(await this.tenants.resolve(actor, named), query);
    return { ...page, data: page.data.map(rowModel) };
  }
}
