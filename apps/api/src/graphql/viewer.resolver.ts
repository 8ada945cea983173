import { Field, ID, ObjectType, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Authenticated, CurrentActor } from '@sb/auth';
import type { Actor } from '@sb/core';
import { TenantRepository } from '@sb/db';

@ObjectType('Tenant')
export class TenantModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() slug!: string;
  @Field() status!: string;
  @Field() plan!: string;
}

@ObjectType('Viewer', { description: 'The caller: its credential kind, tenant and scopes' })
export class ViewerModel {
  @Field({ description: 'operator, api-key or oauth-client' }) actorType!: string;
  @Field(() => [String]) scopes!: string[];
  tenantId!: string | null;
}

@Resolver(() => ViewerModel)
export class ViewerResolver {
  constructor(private readonly tenants: TenantRepository) {}

  @Query(() => ViewerModel)
  @Authenticated()
  viewer(@CurrentActor() actor: Actor): ViewerModel {
    return actor.type === 'operator'
      ? { actorType: actor.type, scopes: [], tenantId: null }
      : { actorType: actor.type, scopes: [...actor.scopes], tenantId: actor.tenantId };
  }

  @ResolveField(() => TenantModel, { nullable: true, description: 'Null for the platform operator' })
  async tenant(@Parent() viewer: ViewerModel): Promise<TenantModel | null> {
    return viewer.tenantId ? this.tenants.findById(viewer.tenantId) : null;
  }
}
