import { Injectable, Logger, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { currentRequestContext, describeRequiredScope, ErrorCode, SbError, scopesGrant, type Actor } from '@sb/core';
import { ACCESS_POLICY, requestFrom, type AccessPolicy } from './access.decorators';

const forbidden = (details?: Record<string, unknown>): SbError =>
  new SbError(ErrorCode.Forbidden, 'The credential does not allow this operation', { details });

/** Global guard: authenticates the bearer credential, then applies the route's access policy. */
@Injectable()
export class AccessGuard extends AuthGuard('bearer') {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(private readonly reflector: Reflector) {
    super();
  }

  override getRequest(ctx: ExecutionContext): unknown {
    return requestFrom(ctx);
  }

  override async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [ctx.getHandler(), ctx.getClass()]);
    if (policy?.kind === 'public') return true;
    if (!policy) {
      this.logger.error({ handler: ctx.getHandler().name }, 'route has no access policy; refusing');
      throw forbidden();
    }
    await super.canActivate(ctx);
    const actor = requestFrom(ctx).user as Actor;
    const logContext = currentRequestContext();
    if (logContext) {
      logContext.actorType = actor.type;
      if (actor.type !== 'operator') logContext.tenantId = actor.tenantId;
    }
    this.authorize(policy, actor);
    return true;
  }

  private authorize(policy: Exclude<AccessPolicy, { kind: 'public' }>, actor: Actor): void {
    switch (policy.kind) {
      case 'authenticated':
        return;
      case 'operator':
        if (actor.type !== 'operator') throw forbidden({ required: 'operator' });
        return;
      case 'scope':
        if (actor.type === 'operator') {
          if (!policy.operator) throw forbidden({ required: describeRequiredScope(policy.scope) });
          return;
        }
        if (!scopesGrant(actor.scopes, policy.scope)) throw forbidden({ requiredScope: describeRequiredScope(policy.scope) });
    }
  }
}
