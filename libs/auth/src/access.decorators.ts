import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Actor, RequiredScope } from '@sb/core';
import type { Request } from 'express';

/**
 * Every route declares who may call it; a route without a policy is refused
 * (fail closed), so a forgotten decorator cannot open an endpoint.
 */
export type AccessPolicy =
  | { kind: 'public' }
  | { kind: 'operator' }
  | { kind: 'authenticated' }
  | { kind: 'scope'; scope: RequiredScope; operator: boolean };

export const ACCESS_POLICY = 'sb:access-policy';

/** No credentials needed (health, JWKS, token endpoint, docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_POLICY, { kind: 'public' } satisfies AccessPolicy);

/** Platform operator only (SB_ADMIN_TOKEN). */
export const OperatorOnly = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_POLICY, { kind: 'operator' } satisfies AccessPolicy);

/** Any valid credential, whatever its scopes. */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_POLICY, { kind: 'authenticated' } satisfies AccessPolicy);

/** A tenant credential holding `scope`; with `operator: true` the operator may call it too. */
export const RequireScope = (scope: RequiredScope, options: { operator?: boolean } = {}): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_POLICY, { kind: 'scope', scope, operator: options.operator ?? false } satisfies AccessPolicy);

/** A request once the access guard has authenticated it: `user` is its actor. */
export type AuthenticatedRequest = Request & { user?: Actor };

export const requestFrom = (ctx: ExecutionContext): AuthenticatedRequest =>
  ctx.getType<string>() === 'graphql'
    ? GqlExecutionContext.create(ctx).getContext<{ req: Request }>().req
    : ctx.switchToHttp().getRequest<Request>();

/** The authenticated actor of the current request. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const actor = requestFrom(ctx).user;
  if (!actor) throw new Error('CurrentActor used on a route without authentication');
  return actor;
});

export const READ_ONLY_ACTION = 'sb:read-only-action';

/**
 * A POST that changes nothing (a search with PHI in its body, a dry-run preview):
 * it is not recorded as an admin action in the audit log.
 */
export const ReadOnlyAction = (): MethodDecorator => SetMetadata(READ_ONLY_ACTION, true);
