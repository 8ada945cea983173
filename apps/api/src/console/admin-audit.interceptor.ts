import { Injectable, Logger, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AuditService } from '@sb/audit';
import { Reflector } from '@nestjs/core';
import { READ_ONLY_ACTION, requestFrom } from '@sb/auth';
import type { Actor } from '@sb/core';
import { Database, type TransactionOutcome } from '@sb/db';
import type { GraphQLResolveInfo } from 'graphql';
import { randomUUID } from 'node:crypto';
import { catchError, concatMap, from, map, type Observable } from 'rxjs';

/** Mutations that are clinical writes: the transaction pipeline audits them per patient already. */
export const CLINICAL_MUTATIONS: ReadonlySet<string> = new Set(['createNote', 'bookAppointment']);
const MAX_REF_CHARS = 256;

interface AdminAction {
  tenantId: string;
  actor: Extract<Actor, { type: 'user' }>;
  operation: string;
  resourceType: string;
  objectRef: string | null;
}

/**
 * Every change a person makes through the console becomes an audit record: who
 * (the user), what (the route template or GraphQL mutation) and which object (the
 * path's ids) — never bodies, so never a secret value. Failed attempts are recorded
 * too, with outcome `error`.
 *
 * Bound with `@AdminAudited()` to each controller with a `/v1/` route and each resolver with a non-clinical
 * mutation (admin-audited.spec.ts holds every one of them to it), not globally: any interceptor puts a route's
 * answer through Nest's rxjs pipeline, ≈ 3–4 % of the api's busy time per proxied FHIR call, which this never audits.
 */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AdminAuditInterceptor.name);

  constructor(
    private readonly db: Database,
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const action = this.reflector.get<boolean | undefined>(READ_ONLY_ACTION, ctx.getHandler()) ? null : adminActionOf(ctx);
    if (!action) return next.handle();
    // The record is written before the answer leaves, so a reader right after sees it.
    return next.handle().pipe(
      concatMap((value: unknown) => from(this.record(action, 'success')).pipe(map(() => value))),
      catchError((e: unknown) =>
        from(this.record(action, 'error')).pipe(
          map(() => {
            throw e;
          }),
        ),
      ),
    );
  }

  private record(action: AdminAction, outcome: TransactionOutcome): Promise<unknown> {
    return this.db
      .transaction((tx) =>
        this.audit.append(tx, {
          tenantId: action.tenantId,
          transactionId: randomUUID(),
          connectionId: null,
          actorType: action.actor.type,
          actorId: action.actor.id,
          operation: action.operation,
          resourceType: action.resourceType,
          patientRef: null,
          purpose: 'console',
          objectRef: action.objectRef,
          outcome,
          occurredAt: new Date(),
        }),
      )
      .catch((e: unknown) => this.logger.error({ err: e, operation: action.operation }, 'could not write the audit record of an admin action'));
  }
}

function adminActionOf(ctx: ExecutionContext): AdminAction | null {
  const actor = requestFrom(ctx).user;
  if (actor?.type !== 'user') return null;
  if (ctx.getType<string>() === 'graphql') {
    const info = GqlExecutionContext.create(ctx).getInfo<GraphQLResolveInfo>();
    if (info.parentType.name !== 'Mutation' || CLINICAL_MUTATIONS.has(info.fieldName)) return null;
    const args = GqlExecutionContext.create(ctx).getArgs<Record<string, unknown>>();
    const id = typeof args.id === 'string' ? args.id : typeof args.connectionId === 'string' ? args.connectionId : null;
    return { tenantId: actor.tenantId, actor, operation: `graphql ${info.fieldName}`, resourceType: 'graphql', objectRef: id ? `graphql/${info.fieldName}/${id}` : null };
  }
  const req = ctx.switchToHttp().getRequest<import('express').Request>();
  // Express matches routes regardless of case: `/V1/api-keys` reaches the same handler as `/v1/api-keys`.
  if (req.method === 'GET' || req.method === 'HEAD' || !/^\/v1\//i.test(req.path)) return null;
  const template = (req.route as { path?: string } | undefined)?.path ?? req.path;
  const objectRef = req.path.slice('/v1/'.length).slice(0, MAX_REF_CHARS);
  return { tenantId: actor.tenantId, actor, operation: `${req.method} ${template}`, resourceType: objectRef.split('/')[0] ?? 'admin', objectRef };
}

/** Records the console users' changes made through this controller or resolver (`AdminAuditInterceptor`). */
export const AdminAudited = (): ClassDecorator => UseInterceptors(AdminAuditInterceptor);
