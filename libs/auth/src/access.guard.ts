import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { APP_CONFIG, type AppConfig } from '@sb/config';
import { currentRequestContext, describeRequiredScope, ErrorCode, SbError, scopesGrant, type Actor } from '@sb/core';
import type { Request } from 'express';
import type { GraphQLResolveInfo } from 'graphql';
import { ACCESS_POLICY, requestFrom, type AccessPolicy, type AuthenticatedRequest } from './access.decorators';
import { AuthenticationService } from './authentication.service';
import { ConsoleSessionService } from './console/console-session.service';
import { readSessionCookie } from './console/session-cookie';

/** RFC 6750 bearer credentials, from the Authorization header only (never from the query string). */
const BEARER = /^Bearer ([\x21-\x7e]{1,4096})$/i;

/** Methods a cross-site page can trigger without our CSRF header being required. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';

/** A cookie-authenticated request carries its session's CSRF token for `GET /v1/console/me`. */
export type SessionRequest = Request & { consoleCsrfToken?: string };

const forbidden = (details?: Record<string, unknown>): SbError =>
  new SbError(ErrorCode.Forbidden, 'The credential does not allow this operation', { details });

/**
 * Global guard: authenticates the bearer credential (machines) or the console's
 * session cookie (people), then applies the route's access policy. A request with
 * an Authorization header is judged by it alone; cookie-authenticated writes need
 * the session's CSRF token in `x-csrf-token`.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
    private readonly sessions: ConsoleSessionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const policy = this.reflector.getAllAndOverride<AccessPolicy | undefined>(ACCESS_POLICY, [ctx.getHandler(), ctx.getClass()]);
    if (policy?.kind === 'public') return true;
    if (!policy) {
      this.logger.error({ handler: ctx.getHandler().name }, 'route has no access policy; refusing');
      throw forbidden();
    }
    const req: AuthenticatedRequest = requestFrom(ctx);
    const cookie = req.headers.authorization ? undefined : readSessionCookie(req, this.config.publicUrl);
    const actor = cookie !== undefined ? await this.authenticateSession(req, cookie) : await this.authenticateBearer(req);
    req.user = actor;
    const logContext = currentRequestContext();
    if (logContext) {
      logContext.actorType = actor.type;
      if (actor.type !== 'operator') logContext.tenantId = actor.tenantId;
    }
    if (actor.type === 'smart-app') this.authorizeSmartApp(ctx, policy, req);
    this.authorize(policy, actor);
    return true;
  }

  /**
   * A launched SMART app's token is for the FHIR facade and clinical GraphQL queries, where the
   * transaction pipeline checks its connection, SMART scopes and patient. Every route guarded by
   * a scope (management, echo) and every other route (console, event catalog, HL7 message log,
   * GraphQL mutations) refuses it, whatever scopes it carries.
   */
  private authorizeSmartApp(ctx: ExecutionContext, policy: Exclude<AccessPolicy, { kind: 'public' }>, req: Request): void {
    if (policy.kind === 'authenticated') {
      if (ctx.getType<string>() === 'graphql') {
        if (GqlExecutionContext.create(ctx).getInfo<GraphQLResolveInfo>().parentType.name === 'Query') return;
      } else if (req.path.startsWith('/fhir/r4/')) {
        return;
      }
    }
    throw forbidden();
  }

  /**
   * The actor of the request's bearer credential: the operator token, an API key or a gateway access token. The guard
   * calls the authentication service itself; it went through passport, whose per-request middleware and Nest's
   * wrapper around it were ≈ 2 % of the api's CPU per proxied call for this one regex and call.
   */
  private async authenticateBearer(req: Request): Promise<Actor> {
    const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
    const actor = token === undefined ? null : await this.authentication.authenticate(token);
    if (!actor) throw new SbError(ErrorCode.Unauthenticated, 'Missing or invalid credentials');
    return actor;
  }

  private async authenticateSession(req: Request, token: string): Promise<Actor> {
    const session = await this.sessions.authenticate(token);
    if (!session) throw new SbError(ErrorCode.Unauthenticated, 'Your session has ended; sign in again');
    if (!SAFE_METHODS.has(req.method) && !this.sessions.csrfMatches(session.csrfToken, req.header(CSRF_HEADER))) {
      throw new SbError(ErrorCode.CsrfFailed, 'This request needs the x-csrf-token header of your session');
    }
    (req as SessionRequest).consoleCsrfToken = session.csrfToken;
    return session.actor;
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
